#include "sip/event_loop.hpp"

#include <sofia-sip/su.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_wait.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sip/guard.hpp"

// Sofia's per-module logs: exported by libsofia-sip-ua, not declared in its public headers.
extern "C" {
extern su_log_t tport_log[];
extern su_log_t nta_log[];
extern su_log_t nua_log[];
extern su_log_t soa_log[];
extern su_log_t sresolv_log[];
}

namespace callbackd::sip {

struct EventLoop::Impl {
  struct Timer {
    Impl* owner = nullptr;
    TimerId id = 0;
    su_timer_t* timer = nullptr;
    std::function<void()> fn;
  };
  struct Watch {
    su_wait_t wait{};
    int index = -1;  // su_root's registration index, needed to deregister
    std::function<void()> fn;
  };

  su_root_t* root = nullptr;
  int wake_fd = -1;
  std::mutex mutex;  // guards `posted` only: the one piece of state other threads touch
  std::vector<std::function<void()>> posted;
  TimerId next_timer = 1;
  std::unordered_map<TimerId, std::unique_ptr<Timer>> timers;
  // Fired or cancelled Sofia timers are kept for reuse: a timer is never destroyed inside its own callback.
  std::vector<su_timer_t*> spare_timers;
  std::vector<std::unique_ptr<Watch>> watches;

  static void on_timer(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg) {
    auto* t = static_cast<Timer*>(arg);
    guarded("timer", [&] { t->owner->fire(t->id); });
  }
  static int on_readable(su_root_magic_t*, su_wait_t*, su_wakeup_arg_t* arg) {
    guarded("event loop", [&] { static_cast<Watch*>(arg)->fn(); });
    return 0;
  }

  void fire(TimerId id) {
    auto it = timers.find(id);
    if (it == timers.end()) return;
    auto fn = std::move(it->second->fn);
    spare_timers.push_back(it->second->timer);
    timers.erase(it);
    fn();
  }

  void drain_posted() {
    std::uint64_t count = 0;
    [[maybe_unused]] auto n = ::read(wake_fd, &count, sizeof count);
    std::vector<std::function<void()>> batch;
    {
      std::lock_guard lock(mutex);
      batch.swap(posted);
    }
    for (auto& fn : batch) guarded("posted event", fn);
  }
};

namespace {

// Sofia's own diagnostics ("tport_udp_error: Connection refused", ...) go to our log at debug level instead
// of raw stderr. Sofia keeps the logger per process; every loop installs the same forwarder.
void forward_sofia_log(void* /*stream*/, char const* fmt, va_list ap) {
  std::array<char, 512> line{};
  std::vsnprintf(line.data(), line.size(), fmt, ap);
  std::string_view text(line.data());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (!text.empty()) spdlog::debug("sofia: {}", text);
}

}  // namespace

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {
  su_init();
  for (su_log_t* log : {su_log_default, tport_log, nta_log, nua_log, soa_log, sresolv_log}) {
    su_log_redirect(log, &forward_sofia_log, nullptr);
  }
  impl_->root = su_root_create(nullptr);
  if (impl_->root == nullptr) throw std::runtime_error("cannot create the SIP event loop");
  impl_->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl_->wake_fd < 0) throw std::runtime_error("cannot create an eventfd");
  watch_fd(impl_->wake_fd, [impl = impl_.get()] { impl->drain_posted(); });
}

EventLoop::~EventLoop() {
  for (auto& [id, t] : impl_->timers) su_timer_destroy(t->timer);
  for (auto* t : impl_->spare_timers) su_timer_destroy(t);
  for (auto& w : impl_->watches) {
    su_root_deregister(impl_->root, w->index);
    su_wait_destroy(&w->wait);
  }
  su_root_destroy(impl_->root);
  ::close(impl_->wake_fd);
  su_deinit();
}

void EventLoop::run() {
  su_root_run(impl_->root);
}
void EventLoop::stop() {
  su_root_break(impl_->root);
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->posted.push_back(std::move(fn));
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(impl_->wake_fd, &one, sizeof one);
}

EventLoop::TimerId EventLoop::start_timer(std::chrono::milliseconds after, std::function<void()> fn) {
  auto t = std::make_unique<Impl::Timer>();
  t->owner = impl_.get();
  t->id = impl_->next_timer++;
  t->fn = std::move(fn);
  if (!impl_->spare_timers.empty()) {
    t->timer = impl_->spare_timers.back();
    impl_->spare_timers.pop_back();
  } else {
    t->timer = su_timer_create(su_root_task(impl_->root), 0);
    if (t->timer == nullptr) throw std::runtime_error("cannot create a timer");
  }
  auto ms = static_cast<su_duration_t>(std::max<std::chrono::milliseconds::rep>(after.count(), 0));
  su_timer_set_interval(t->timer, &Impl::on_timer, t.get(), ms);
  TimerId id = t->id;
  impl_->timers.emplace(id, std::move(t));
  return id;
}

void EventLoop::cancel_timer(TimerId id) {
  auto it = impl_->timers.find(id);
  if (it == impl_->timers.end()) return;
  su_timer_reset(it->second->timer);
  impl_->spare_timers.push_back(it->second->timer);
  impl_->timers.erase(it);
}

void EventLoop::watch_fd(int fd, std::function<void()> fn) {
  auto w = std::make_unique<Impl::Watch>();
  w->fn = std::move(fn);
  if (su_wait_create(&w->wait, fd, SU_WAIT_IN) != 0)
    throw std::runtime_error("cannot watch a file descriptor");
  w->index = su_root_register(impl_->root, &w->wait, &Impl::on_readable, w.get(), 0);
  if (w->index < 0) throw std::runtime_error("cannot watch a file descriptor");
  impl_->watches.push_back(std::move(w));
}

su_root_s* EventLoop::root() {
  return impl_->root;
}

}  // namespace callbackd::sip
