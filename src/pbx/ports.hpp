#pragma once
// What the call core needs from the world, as small interfaces: signalling, the control loop's timers and
// queue, the media engine, the store and the clock. app/ wires them to Sofia-SIP, the su_root loop, the RTP
// engine and the store worker; the flow tests wire them to fakes and a fake clock, so whole calls run in
// process without waiting.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "callback/job_scheduler.hpp"
#include "media/prompt.hpp"
#include "media/rtp_engine.hpp"  // MediaEvent
#include "media/sdp.hpp"
#include "sip/sip_stack.hpp"
#include "store/outcome.hpp"
#include "store/store.hpp"

namespace callbackd::pbx {

using LegId = sip::LegId;
using Clock = callback::ClockSource;
using TimePoint = callback::TimePoint;

// Dialog operations on legs; events come back through sip::SipEvents.
class Signalling {
 public:
  virtual ~Signalling() = default;
  virtual void ring(LegId leg) = 0;
  virtual void answer(LegId leg, const std::string& sdp) = 0;
  virtual void reject(LegId leg, int status) = 0;
  virtual void reject_with(LegId leg, const sip::SipReply& reply) = 0;  // a 407 challenge and its header
  virtual void answer_reinvite(LegId leg, const std::string& sdp) = 0;  // empty sdp: 488
  virtual LegId invite(const std::string& request_uri, const std::string& from_uri,
                       const std::string& sdp) = 0;
  virtual void hangup(LegId leg) = 0;
};

// Out-of-dialog OPTIONS: the lines' keepalive (line_keepalive.hpp). `done` runs once, on the loop, with the
// final status (a timeout or a transport error as the stack reports it: 408, 503), unless dropped first.
class Pinger {
 public:
  using PingId = std::uint64_t;
  virtual ~Pinger() = default;
  virtual PingId ping(const std::string& request_uri, std::function<void(int status)> done) = 0;
  virtual void drop_ping(PingId id) = 0;  // done is not called; no-op for an answered or unknown ping
};

// The call-control loop: everything in the core runs on it, so call state needs no locks.
class Loop {
 public:
  using TimerId = std::uint64_t;
  virtual ~Loop() = default;
  virtual void post(std::function<void()> fn) = 0;  // from any thread
  virtual TimerId start_timer(std::chrono::milliseconds after, std::function<void()> fn) = 0;
  virtual void cancel_timer(TimerId id) = 0;  // no-op for a fired or unknown timer
};

// RTP sessions, one per leg.
class Media {
 public:
  struct Allocation {
    std::uint64_t id;
    std::uint16_t port;
  };
  virtual ~Media() = default;
  virtual std::optional<Allocation> allocate() = 0;
  virtual void start(std::uint64_t id, const media::Negotiated& remote) = 0;
  virtual void play(std::uint64_t id, std::vector<media::PromptPtr> prompts) = 0;
  virtual void stop_playback(std::uint64_t id) = 0;
  virtual void bridge(std::uint64_t a, std::uint64_t b) = 0;  // Call Relay: each hears the other
  virtual void unbridge(std::uint64_t id) = 0;
  virtual void send_dtmf(std::uint64_t id, char digit) = 0;  // RFC 4733, the leg's own payload type
  virtual void release(std::uint64_t id) = 0;
  virtual const std::string& address() const = 0;
};

// The store, off the control loop: work runs on the store's own thread in submission order (batched, one
// commit for many), and its done runs on the loop once the work is on disk. A slow disk delays outcomes,
// never signalling. Work must not touch call state; it gets copies of what it needs.
class StorePort {
 public:
  using Done = std::function<void(const store::StoreOutcome<std::monostate>&)>;
  virtual ~StorePort() = default;
  virtual void run(std::function<void(store::Store&)> work, Done done) = 0;
  // Calls submitted and not yet answered: how far the store has fallen behind.
  virtual std::size_t backlog() const = 0;

  // run() for work that returns a value: then(StoreOutcome<R>) on the loop.
  template <typename Work, typename Then>
  void ask(Work work, Then then) {
    using R = std::invoke_result_t<Work&, store::Store&>;
    auto slot = std::make_shared<std::optional<R>>();  // written by the worker, read after the post
    run([slot, work = std::move(work)](store::Store& s) mutable { slot->emplace(work(s)); },
        [slot, then = std::move(then)](const store::StoreOutcome<std::monostate>& o) mutable {
          store::StoreOutcome<R> out;
          out.failure = o.failure;
          out.error = o.error;
          if (o.ok()) out.value = std::move(*slot);
          then(out);
        });
  }
};

// A one-shot timer owned by a leg, a call or a job: cancelled when it is reset or destroyed, so no callback
// can outlive what it belongs to.
class Timer {
 public:
  explicit Timer(Loop& loop) : loop_(loop) {}
  // Not movable: the armed callback refers to this object.
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  ~Timer() { cancel(); }

  void start(std::chrono::milliseconds after, std::function<void()> fn) {
    cancel();
    id_ = loop_.start_timer(after, [this, fn = std::move(fn)] {
      id_.reset();
      fn();  // may destroy this timer's owner: nothing here touches `this` after it
    });
  }
  void cancel() {
    if (id_) loop_.cancel_timer(*id_);
    id_.reset();
  }
  bool armed() const { return id_.has_value(); }

 private:
  Loop& loop_;
  std::optional<Loop::TimerId> id_;
};

}  // namespace callbackd::pbx
