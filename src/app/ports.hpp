#pragma once
// The call core's ports (pbx/ports.hpp) on the real thing: Sofia-SIP's stack, the su_root loop, the RTP
// engine and the store worker. Thin forwarding only; the flow tests put fakes in their place.
#include <mutex>

#include "media/rtp_engine.hpp"
#include "pbx/call_manager.hpp"
#include "pbx/ports.hpp"
#include "sip/event_loop.hpp"
#include "sip/sip_stack.hpp"
#include "store/store_worker.hpp"

namespace callbackd::app {

// The stack is created after the call core (it needs the core as its event sink), hence attach().
class SipSignalling final : public pbx::Signalling {
 public:
  void attach(sip::SipStack& stack) { stack_ = &stack; }
  void ring(pbx::LegId leg) override { stack_->ring(leg); }
  void answer(pbx::LegId leg, const std::string& sdp) override { stack_->answer(leg, sdp); }
  void reject(pbx::LegId leg, int status) override { stack_->reject(leg, status); }
  void reject_with(pbx::LegId leg, const sip::SipReply& reply) override { stack_->reject(leg, reply); }
  void answer_reinvite(pbx::LegId leg, const std::string& sdp) override { stack_->answer_reinvite(leg, sdp); }
  pbx::LegId invite(const std::string& uri, const std::string& from, const std::string& sdp) override {
    return stack_->invite(uri, from, sdp);
  }
  void hangup(pbx::LegId leg) override { stack_->hangup(leg); }

 private:
  sip::SipStack* stack_ = nullptr;
};

// The lines' OPTIONS keepalive over the SIP stack.
class SipPinger final : public pbx::Pinger {
 public:
  explicit SipPinger(sip::SipStack& stack) : stack_(stack) {}
  PingId ping(const std::string& uri, std::function<void(int)> done) override {
    return stack_.ping(uri, std::move(done));
  }
  void drop_ping(PingId id) override { stack_.drop_ping(id); }

 private:
  sip::SipStack& stack_;
};

class LoopPort final : public pbx::Loop {
 public:
  explicit LoopPort(sip::EventLoop& loop) : loop_(loop) {}
  void post(std::function<void()> fn) override { loop_.post(std::move(fn)); }
  TimerId start_timer(std::chrono::milliseconds after, std::function<void()> fn) override {
    return loop_.start_timer(after, std::move(fn));
  }
  void cancel_timer(TimerId id) override { loop_.cancel_timer(id); }

 private:
  sip::EventLoop& loop_;
};

class StoreWorkerPort final : public pbx::StorePort {
 public:
  explicit StoreWorkerPort(store::StoreWorker& worker) : worker_(worker) {}
  void run(std::function<void(store::Store&)> work, Done done) override {
    worker_.submit(std::move(work), std::move(done));
  }
  std::size_t backlog() const override { return worker_.queued(); }

 private:
  store::StoreWorker& worker_;
};

class MediaPort final : public pbx::Media {
 public:
  explicit MediaPort(media::RtpEngine& engine) : engine_(engine) {}
  std::optional<Allocation> allocate() override {
    auto a = engine_.allocate();
    if (!a) return std::nullopt;
    return Allocation{a->id, a->port};
  }
  void start(std::uint64_t id, const media::Negotiated& remote) override { engine_.start(id, remote); }
  void play(std::uint64_t id, std::vector<media::PromptPtr> prompts) override {
    engine_.play(id, std::move(prompts));
  }
  void stop_playback(std::uint64_t id) override { engine_.stop_playback(id); }
  void bridge(std::uint64_t a, std::uint64_t b) override { engine_.bridge(a, b); }
  void unbridge(std::uint64_t id) override { engine_.unbridge(id); }
  void send_dtmf(std::uint64_t id, char digit) override { engine_.send_dtmf(id, digit); }
  void release(std::uint64_t id) override { engine_.release(id); }
  const std::string& address() const override { return engine_.address(); }

 private:
  media::RtpEngine& engine_;
};

// The RTP engine's event sink. The media thread may be inside it when the call core goes away: detach()
// takes the same lock, so it returns only after that event has been handed over, and none follows.
class MediaEventRelay {
 public:
  void attach(pbx::CallManager& manager) {
    std::lock_guard lock(mu_);
    target_ = &manager;
  }
  void detach() {
    std::lock_guard lock(mu_);
    target_ = nullptr;
  }
  void deliver(const media::MediaEvent& ev) {
    std::lock_guard lock(mu_);  // media_event() only posts to the loop: held for microseconds
    if (target_ != nullptr) target_->media_event(ev);
  }

 private:
  std::mutex mu_;
  pbx::CallManager* target_ = nullptr;
};

}  // namespace callbackd::app
