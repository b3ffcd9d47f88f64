#pragma once
// Lines as a resource: which line a request came from (by its gateway address) and how many of each line's
// channels are in use. An FXO port has one channel, so a line that is busy cannot carry a callback.
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pbx/settings.hpp"

namespace callbackd::pbx {

class LinePool {
 public:
  explicit LinePool(std::vector<Line> lines);

  // The line whose gateway sent a request. UDP must match ip:port exactly; a TCP connection comes from an
  // ephemeral port, so it matches on the address alone when exactly one line has that address.
  const Line* from_source(const std::string& ip, std::uint16_t port, bool tcp) const;
  const Line* find(const std::string& name) const;
  bool is_gateway_host(const std::string& ip) const;  // some line's gateway has this address (any port)

  bool acquire(const std::string& name);  // false when every channel is busy
  void release(const std::string& name);
  int in_use(const std::string& name) const;

  // A line that is up with a free channel for a PSTN callback or a relayed call: the preferred one if it is,
  // else the first such line.
  const Line* pick(const std::string& preferred) const;
  // The same, among the lines `also` accepts (a relayed call: lines below their max_relay_calls).
  const Line* pick(const std::string& preferred, const std::function<bool(const Line&)>& also) const;

  // Whether a line's gateway answers its OPTIONS keepalive (line_keepalive.hpp). A line is up until the
  // keepalive says otherwise; a line that is down is skipped by pick(), while a call its gateway sends us
  // is still taken (the gateway is evidently there). True when the state changed.
  bool set_up(const std::string& name, bool up);
  bool up(const std::string& name) const { return !down_.contains(name); }

  // New lines (a configuration reload). Channels in use stay counted by name: a call on a line that is
  // gone or smaller keeps its channel until it ends, and new calls wait until the count is below the size.
  // A line keeps its up/down state by name. Pointers from find(), from_source() and pick() are invalid
  // afterwards.
  void replace(std::vector<Line> lines);
  const std::vector<Line>& all() const { return lines_; }

 private:
  std::vector<Line> lines_;
  std::map<std::string, int> in_use_;
  std::set<std::string> down_;
};

}  // namespace callbackd::pbx
