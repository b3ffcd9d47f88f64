#pragma once
// Lines as a resource: each line's gateway gets an OPTIONS every `interval_s`. A gateway that fails to answer
// `failures` times in a row (no answer before the next OPTIONS is due, 408, or 503) is marked down in the
// line pool, so callbacks and relayed calls skip the line; the first answer of any other status (even 404,
// 405 or 501: something at the gateway parsed our request) marks it up again. Only a change is logged.
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "pbx/line_pool.hpp"
#include "pbx/ports.hpp"

namespace callbackd::pbx {

struct KeepaliveSettings {
  int interval_s = 30;  // 0: no keepalive, every line stays up
  int failures = 3;     // failed OPTIONS in a row that mark a line down
};

// Whether an OPTIONS final status says the gateway is there: everything but 408 (our own timeout) and 503
// (a transport error, or a gateway that says it cannot take calls).
bool gateway_answered(int status);

// The OPTIONS target for a line: its gateway, over the line's transport.
std::string keepalive_uri(const Line& line);

class LineKeepalive {
 public:
  LineKeepalive(Loop& loop, Pinger& pinger, LinePool& lines, KeepaliveSettings settings);
  ~LineKeepalive();
  LineKeepalive(const LineKeepalive&) = delete;
  LineKeepalive& operator=(const LineKeepalive&) = delete;

  void start();          // an OPTIONS to each line now, then every interval
  void stop();           // drops the OPTIONS in flight; the lines keep their state
  void lines_changed();  // after LinePool::replace(): new lines are probed, gone ones forgotten

 private:
  struct Probe {
    explicit Probe(Loop& loop) : timer(loop) {}
    Timer timer;
    std::string uri;
    std::optional<Pinger::PingId> in_flight;
    std::uint64_t token = 0;  // which OPTIONS an answer belongs to
    int failures = 0;
  };

  void send(const std::string& name);
  void answered(const std::string& name, std::uint64_t token, int status);
  void failed(const std::string& name, Probe& probe, const std::string& why);

  Loop& loop_;
  Pinger& pinger_;
  LinePool& lines_;
  KeepaliveSettings settings_;
  std::map<std::string, std::unique_ptr<Probe>> probes_;
  std::uint64_t next_token_ = 1;
  bool running_ = false;
};

}  // namespace callbackd::pbx
