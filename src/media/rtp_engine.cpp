#include "media/rtp_engine.hpp"

#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "callback/text.hpp"
#include "media/rtp_session.hpp"
#include "media/udp.hpp"

namespace callbackd::media {
namespace {

// epoll tags for the engine's own descriptors; session ids start at 1 and never reach these.
constexpr std::uint64_t kTimerTag = 0;
constexpr std::uint64_t kWakeTag = ~std::uint64_t{0};
constexpr long kTickNanoseconds = 20'000'000;
// After a stall (e.g. the machine was suspended or overloaded) catch up a little, then let the clock jump.
constexpr std::uint64_t kMaxCatchUpTicks = 5;

Fd make_timer() {
  Fd fd(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!fd) throw std::runtime_error("timerfd_create failed");
  itimerspec spec{};
  spec.it_interval.tv_nsec = kTickNanoseconds;
  spec.it_value.tv_nsec = kTickNanoseconds;
  if (::timerfd_settime(fd.get(), 0, &spec, nullptr) != 0) throw std::runtime_error("timerfd_settime failed");
  return fd;
}

void watch(int epoll_fd, int fd, std::uint64_t tag) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = tag;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) throw std::runtime_error("epoll_ctl ADD failed");
}

std::uint64_t drain_counter(int fd) {
  std::uint64_t value = 0;
  if (::read(fd, &value, sizeof(value)) != static_cast<ssize_t>(sizeof(value))) return 0;
  return value;
}

}  // namespace

struct RtpEngine::Impl {
  Impl(std::string addr, std::uint16_t min, std::uint16_t max, EventSink event_sink);
  void run();
  void tick();
  void on_readable(SessionId id);
  void deliver(std::vector<MediaEvent>& events);
  template <typename F>
  void with_session(SessionId id, F&& f);
  void unpair(RtpSession& s);  // under mu

  std::string address;
  std::uint16_t port_min;
  std::uint16_t port_max;
  EventSink sink;
  Fd epoll;
  Fd timer;
  Fd wake;

  // One lock for the session map: the control thread takes it briefly per command, the media thread per tick
  // and per readable socket. Events are collected under it and delivered to the sink after releasing it.
  mutable std::mutex mu;
  std::map<SessionId, std::unique_ptr<RtpSession>> sessions;
  SessionId next_id = 1;
  std::uint16_t next_port;
  std::mt19937 rng{std::random_device{}()};

  std::atomic<std::uint64_t> packets_sent{0};
  std::atomic<std::uint64_t> packets_received{0};
  std::atomic<bool> stopping{false};
  std::thread thread;
};

RtpEngine::Impl::Impl(std::string addr, std::uint16_t min, std::uint16_t max, EventSink event_sink)
    : address(std::move(addr)),
      port_min(static_cast<std::uint16_t>(min + (min & 1U))),  // RTP takes even ports (RFC 3550 11)
      port_max(max),
      sink(std::move(event_sink)),
      epoll(::epoll_create1(EPOLL_CLOEXEC)),
      timer(make_timer()),
      wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      next_port(port_min) {
  if (!make_address(address, 0))
    throw std::invalid_argument("media address is not a numeric IP address: " + address);
  if (port_min > port_max || port_min == 0) throw std::invalid_argument("empty or invalid RTP port range");
  if (!epoll || !wake) throw std::runtime_error("epoll/eventfd creation failed");
  watch(epoll.get(), timer.get(), kTimerTag);
  watch(epoll.get(), wake.get(), kWakeTag);
}

void RtpEngine::Impl::run() {
  std::array<epoll_event, 64> ready{};
  while (!stopping.load(std::memory_order_acquire)) {
    const int n = ::epoll_wait(epoll.get(), ready.data(), static_cast<int>(ready.size()), -1);
    if (n < 0) continue;  // EINTR
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = ready[static_cast<std::size_t>(i)].data.u64;
      if (tag == kWakeTag) {
        drain_counter(wake.get());
      } else if (tag == kTimerTag) {
        const std::uint64_t expirations = std::min(drain_counter(timer.get()), kMaxCatchUpTicks);
        for (std::uint64_t t = 0; t < expirations; ++t) tick();
      } else {
        on_readable(tag);
      }
    }
  }
}

void RtpEngine::Impl::tick() {
  std::vector<MediaEvent> events;
  std::uint64_t sent = 0;
  {
    std::lock_guard lock(mu);
    for (auto& [id, session] : sessions) sent += session->tick(events) ? 1 : 0;
  }
  packets_sent.fetch_add(sent, std::memory_order_relaxed);
  deliver(events);
}

void RtpEngine::Impl::on_readable(SessionId id) {
  std::vector<MediaEvent> events;
  std::size_t received = 0;
  {
    std::lock_guard lock(mu);
    auto it = sessions.find(id);
    if (it == sessions.end()) return;  // released while the event was in flight
    received = it->second->receive(events);
  }
  packets_received.fetch_add(received, std::memory_order_relaxed);
  deliver(events);
}

void RtpEngine::Impl::deliver(std::vector<MediaEvent>& events) {
  for (const auto& e : events) {
    if (sink) sink(e);
  }
}

template <typename F>
void RtpEngine::Impl::with_session(SessionId id, F&& f) {
  std::lock_guard lock(mu);
  auto it = sessions.find(id);
  if (it == sessions.end()) {
    spdlog::warn("rtp: unknown session {}", id);
    return;
  }
  f(*it->second);
}

void RtpEngine::Impl::unpair(RtpSession& s) {
  if (RtpSession* peer = s.peer()) {
    peer->set_peer(nullptr);
    s.set_peer(nullptr);
  }
}

RtpEngine::RtpEngine(std::string address, std::uint16_t port_min, std::uint16_t port_max, EventSink sink)
    : impl_(std::make_unique<Impl>(std::move(address), port_min, port_max, std::move(sink))) {
  impl_->thread = std::thread([this] { impl_->run(); });
}

RtpEngine::~RtpEngine() {
  impl_->stopping.store(true, std::memory_order_release);
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(impl_->wake.get(), &one, sizeof(one));
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::optional<RtpEngine::Allocation> RtpEngine::allocate() {
  auto& m = *impl_;
  const std::size_t candidates = (m.port_max - m.port_min) / 2 + 1;
  for (std::size_t i = 0; i < candidates; ++i) {
    std::uint16_t port = 0;
    {
      std::lock_guard lock(m.mu);
      port = m.next_port;
      m.next_port = port + 2 > m.port_max ? m.port_min : static_cast<std::uint16_t>(port + 2);
    }
    // bind() is a system call that can take a while: done outside the lock, so the media tick never waits
    // for it (one late tick delays every stream at once).
    auto bound = bind_udp(*make_address(m.address, port));  // the constructor checked the address
    if (bound.result == BindResult::InUse) continue;
    if (bound.result == BindResult::Error) {
      spdlog::error("rtp: cannot bind {}:{}: {}", m.address, port,
                    std::error_code(bound.error, std::generic_category()).message());
      return std::nullopt;
    }
    const int raw_fd = bound.fd.get();
    SessionId id = 0;
    {
      std::lock_guard lock(m.mu);
      id = m.next_id++;
      const StreamStart stream{static_cast<std::uint32_t>(m.rng()), static_cast<std::uint16_t>(m.rng()),
                               static_cast<std::uint32_t>(m.rng())};
      m.sessions.emplace(id, std::make_unique<RtpSession>(id, std::move(bound.fd), stream));
    }
    watch(m.epoll.get(), raw_fd, id);
    return Allocation{id, port};
  }
  spdlog::warn("rtp: no free port in {}-{}", m.port_min, m.port_max);
  return std::nullopt;
}

void RtpEngine::start(SessionId id, const Negotiated& remote) {
  impl_->with_session(id, [&](RtpSession& s) {
    if (!s.start(remote)) {
      // The address comes from the peer's SDP.
      spdlog::warn("rtp: session {}: unusable remote \"{}\":{}", id,
                   callback::text::log_escape(remote.remote_address), remote.remote_port);
    }
  });
}

void RtpEngine::play(SessionId id, std::vector<PromptPtr> prompts) {
  impl_->with_session(id, [&](RtpSession& s) { s.play(std::move(prompts)); });
}

void RtpEngine::stop_playback(SessionId id) {
  impl_->with_session(id, [](RtpSession& s) { s.stop_playback(); });
}

void RtpEngine::bridge(SessionId a, SessionId b) {
  std::lock_guard lock(impl_->mu);
  auto ia = impl_->sessions.find(a);
  auto ib = impl_->sessions.find(b);
  if (a == b || ia == impl_->sessions.end() || ib == impl_->sessions.end()) {
    spdlog::warn("rtp: cannot bridge sessions {} and {}", a, b);
    return;
  }
  impl_->unpair(*ia->second);
  impl_->unpair(*ib->second);
  ia->second->set_peer(ib->second.get());
  ib->second->set_peer(ia->second.get());
}

void RtpEngine::unbridge(SessionId id) {
  std::lock_guard lock(impl_->mu);
  if (auto it = impl_->sessions.find(id); it != impl_->sessions.end()) impl_->unpair(*it->second);
}

void RtpEngine::send_dtmf(SessionId id, char digit) {
  impl_->with_session(id, [&](RtpSession& s) {
    if (!s.send_dtmf(digit))
      spdlog::info("rtp: session {}: no telephone-event negotiated, digit not sent", id);
  });
}

void RtpEngine::release(SessionId id) {
  std::unique_ptr<RtpSession> doomed;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->sessions.find(id);
    if (it == impl_->sessions.end()) return;
    impl_->unpair(*it->second);
    doomed = std::move(it->second);
    impl_->sessions.erase(it);
    ::epoll_ctl(impl_->epoll.get(), EPOLL_CTL_DEL, doomed->fd(), nullptr);
  }
  // The socket closes here, outside the lock.
}

EngineStats RtpEngine::stats() const {
  EngineStats s;
  {
    std::lock_guard lock(impl_->mu);
    s.sessions = impl_->sessions.size();
  }
  s.packets_sent = impl_->packets_sent.load(std::memory_order_relaxed);
  s.packets_received = impl_->packets_received.load(std::memory_order_relaxed);
  return s;
}

const std::string& RtpEngine::address() const {
  return impl_->address;
}

}  // namespace callbackd::media
