#pragma once
// Fakes for the call core's ports: a loop whose timers run on a fake clock, signalling and media that record
// what the core asked for, a store port that can be held (a slow disk), and a store that can be told to
// refuse writes. With them a whole call runs in process, in order, without waiting; the store itself is a
// real SQLite file.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "pbx/ports.hpp"
#include "store/store.hpp"

namespace callbackd::pbx::testing {

class FakeClock final : public Clock {
 public:
  TimePoint now() const override { return now_; }
  void advance(std::chrono::milliseconds d) { now_ += d; }

 private:
  TimePoint now_ = TimePoint(std::chrono::seconds(1'800'000'000));
};

class FakeLoop final : public Loop {
 public:
  explicit FakeLoop(FakeClock& clock) : clock_(clock) {}
  void post(std::function<void()> fn) override { posted_.push_back(std::move(fn)); }
  TimerId start_timer(std::chrono::milliseconds after, std::function<void()> fn) override {
    const TimerId id = next_++;
    timers_.emplace(std::make_pair(clock_.now() + after, id), std::move(fn));
    return id;
  }
  void cancel_timer(TimerId id) override {
    std::erase_if(timers_, [id](const auto& t) { return t.first.second == id; });
  }
  // Runs what is posted, then moves the clock forward by `d`, firing every timer due on the way in order.
  void advance(std::chrono::milliseconds d) {
    run_posted();
    const TimePoint end = clock_.now() + d;
    while (!timers_.empty() && timers_.begin()->first.first <= end) {
      auto it = timers_.begin();
      // A timer overdue (the test moved the clock past it, as a busy loop would) fires late; time never
      // goes back.
      if (it->first.first > clock_.now()) {
        clock_.advance(std::chrono::duration_cast<std::chrono::milliseconds>(it->first.first - clock_.now()));
      }
      auto fn = std::move(it->second);
      timers_.erase(it);
      fn();
      run_posted();
    }
    if (end > clock_.now())
      clock_.advance(std::chrono::duration_cast<std::chrono::milliseconds>(end - clock_.now()));
  }
  void run_posted() {
    while (!posted_.empty()) {
      auto fn = std::move(posted_.front());
      posted_.erase(posted_.begin());
      fn();
    }
  }
  std::size_t timers() const { return timers_.size(); }

 private:
  FakeClock& clock_;
  TimerId next_ = 1;
  std::map<std::pair<TimePoint, TimerId>, std::function<void()>> timers_;
  std::vector<std::function<void()>> posted_;
};

struct SignalOp {
  std::string op;  // "ring", "answer", "reject", "reinvite", "invite", "hangup"
  LegId leg = 0;
  int status = 0;
  std::string text;  // the SDP or the request URI
};

class FakeSignalling final : public Signalling {
 public:
  void ring(LegId leg) override { ops.push_back({"ring", leg, 180, ""}); }
  void answer(LegId leg, const std::string& sdp) override { ops.push_back({"answer", leg, 200, sdp}); }
  void reject(LegId leg, int status) override { ops.push_back({"reject", leg, status, ""}); }
  void reject_with(LegId leg, const sip::SipReply& reply) override {
    std::string headers;
    for (const auto& h : reply.headers) headers += h + "\n";
    ops.push_back({"reject", leg, reply.status, headers});
  }
  void answer_reinvite(LegId leg, const std::string& sdp) override {
    ops.push_back({"reinvite", leg, 0, sdp});
  }
  LegId invite(const std::string& uri, const std::string& from, const std::string& sdp) override {
    ops.push_back({"invite", next_leg, 0, uri});
    offers.push_back(sdp);
    froms.push_back(from);
    return next_leg++;
  }
  void hangup(LegId leg) override { ops.push_back({"hangup", leg, 0, ""}); }

  std::vector<SignalOp> all(const std::string& op) const {
    std::vector<SignalOp> out;
    for (const auto& o : ops) {
      if (o.op == op) out.push_back(o);
    }
    return out;
  }
  std::vector<SignalOp> ops;
  std::vector<std::string> offers;
  std::vector<std::string> froms;
  LegId next_leg = 1000;
};

class FakeMedia final : public Media {
 public:
  std::optional<Allocation> allocate() override {
    if (exhausted) return std::nullopt;
    ++open;
    return Allocation{next_id++, static_cast<std::uint16_t>(40000 + 2 * next_id)};
  }
  void start(std::uint64_t id, const media::Negotiated&) override { started.push_back(id); }
  void play(std::uint64_t id, std::vector<media::PromptPtr> prompts) override {
    played.emplace_back(id, prompts.size());
  }
  void stop_playback(std::uint64_t id) override { stopped.push_back(id); }
  void bridge(std::uint64_t a, std::uint64_t b) override {
    bridged[a] = b;
    bridged[b] = a;
  }
  void unbridge(std::uint64_t id) override {
    if (auto it = bridged.find(id); it != bridged.end()) {
      bridged.erase(it->second);
      bridged.erase(it);
    }
  }
  void send_dtmf(std::uint64_t id, char digit) override { dtmf_sent.emplace_back(id, digit); }
  void release(std::uint64_t id) override {
    unbridge(id);
    --open;
  }
  const std::string& address() const override { return address_; }

  bool exhausted = false;
  int open = 0;
  std::uint64_t next_id = 1;
  std::vector<std::uint64_t> started;
  std::vector<std::pair<std::uint64_t, std::size_t>> played;
  std::vector<std::uint64_t> stopped;
  std::map<std::uint64_t, std::uint64_t> bridged;  // both directions
  std::vector<std::pair<std::uint64_t, char>> dtmf_sent;

 private:
  std::string address_ = "127.0.0.1";
};

// The store worker's stand-in: work runs on the real store in submission order, at once unless `hold` is
// set (a slow disk: the work waits until release()), and its done is posted to the fake loop, as the worker
// posts to the real one.
class FakeStorePort final : public StorePort {
 public:
  FakeStorePort(store::Store& store, FakeLoop& loop) : store_(store), loop_(loop) {}
  void run(std::function<void(store::Store&)> work, Done done) override {
    queue_.push_back({std::move(work), std::move(done)});
    if (!hold) release();
  }
  // Runs every queued call (and those they queue).
  void release() {
    while (!queue_.empty()) {
      auto call = std::move(queue_.front());
      queue_.erase(queue_.begin());
      store::StoreOutcome<std::monostate> out;
      try {
        call.first(store_);
        out.value.emplace();
      } catch (const store::DuplicateError& e) {
        out.failure = store::StoreFailure::Duplicate;
        out.error = e.what();
      } catch (const std::exception& e) {
        out.failure = store::StoreFailure::Unavailable;
        out.error = e.what();
      }
      loop_.post([done = std::move(call.second), out] { done(out); });
    }
  }
  std::size_t queued() const { return queue_.size(); }
  std::size_t backlog() const override { return queue_.size(); }
  bool hold = false;

 private:
  store::Store& store_;
  FakeLoop& loop_;
  std::vector<std::pair<std::function<void(store::Store&)>, Done>> queue_;
};

// A real SQLite store that can be made to refuse job writes, as a locked database or a full disk does.
class FlakyStore final : public store::Store {
 public:
  explicit FlakyStore(const std::string& path) : real_(store::open_sqlite_store(path)) {}
  bool refuse_writes = false;

  std::vector<store::AuthorizedPhone> list_phones() override { return real_->list_phones(); }
  std::optional<store::AuthorizedPhone> get_phone(std::int64_t id) override { return real_->get_phone(id); }
  store::AuthorizedPhone create_phone(const store::AuthorizedPhone& p) override {
    return real_->create_phone(p);
  }
  bool update_phone(const store::AuthorizedPhone& p) override { return real_->update_phone(p); }
  bool delete_phone(std::int64_t id) override { return real_->delete_phone(id); }
  std::vector<store::Extension> list_extensions() override { return real_->list_extensions(); }
  std::optional<store::Extension> get_extension(const std::string& n) override {
    return real_->get_extension(n);
  }
  void create_extension(const store::Extension& e) override { real_->create_extension(e); }
  bool update_extension(const store::Extension& e) override { return real_->update_extension(e); }
  bool delete_extension(const std::string& n) override { return real_->delete_extension(n); }
  store::CallbackJob create_job(const store::CallbackJob& j) override {
    if (refuse_writes) throw store::StoreError("database is locked");
    return real_->create_job(j);
  }
  std::optional<store::CallbackJob> get_job(std::int64_t id) override { return real_->get_job(id); }
  std::vector<store::CallbackJob> list_jobs(int limit) override { return real_->list_jobs(limit); }
  std::vector<store::CallbackJob> jobs_in_state(store::JobState s) override {
    return real_->jobs_in_state(s);
  }
  bool transition_job(std::int64_t id, store::JobState from, store::JobState to,
                      const std::string& r) override {
    if (refuse_writes) throw store::StoreError("database is locked");
    return real_->transition_job(id, from, to, r);
  }
  bool reschedule_job(std::int64_t id, store::UnixTime due, const std::string& r) override {
    if (refuse_writes) throw store::StoreError("database is locked");
    return real_->reschedule_job(id, due, r);
  }
  std::optional<store::CallbackJob> latest_job_for_caller(const std::string& c,
                                                          store::UnixTime since) override {
    return real_->latest_job_for_caller(c, since);
  }
  std::optional<store::CallbackJob> latest_job_for_caller_ms(const std::string& c,
                                                             store::UnixTimeMs since) override {
    return real_->latest_job_for_caller_ms(c, since);
  }
  std::int64_t count_jobs_for_caller_ms(const std::string& c, store::UnixTimeMs since) override {
    return real_->count_jobs_for_caller_ms(c, since);
  }
  std::optional<store::CallbackJob> open_job_for_caller(const std::string& c) override {
    return real_->open_job_for_caller(c);
  }
  std::vector<store::AuthorizedPhone> trusted_caller_candidates(const std::string& number) override {
    return real_->trusted_caller_candidates(number);
  }
  std::int64_t add_call_record(const store::CallRecord& r) override { return real_->add_call_record(r); }
  std::vector<std::int64_t> add_call_records(const std::vector<store::CallRecord>& r) override {
    return real_->add_call_records(r);
  }
  std::vector<store::CallRecord> list_call_records(int limit) override {
    return real_->list_call_records(limit);
  }
  std::int64_t append_audit(const store::AuditEntry& e) override {
    if (refuse_writes) throw store::StoreError("database is locked");
    return real_->append_audit(e);
  }

 private:
  std::unique_ptr<store::Store> real_;
};

}  // namespace callbackd::pbx::testing
