#pragma once
// The call-control thread's loop: Sofia's su_root, plus a thread-safe post() queue (an eventfd the root
// polls), one-shot timers and file-descriptor watches. Everything that touches call state runs on this loop,
// so call state needs no locks.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

struct su_root_s;

namespace callbackd::sip {

class EventLoop {
 public:
  using TimerId = std::uint64_t;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void run();   // returns after stop()
  void stop();  // from the loop thread

  // Runs fn on the loop thread. Safe from any thread (media, HTTP).
  void post(std::function<void()> fn);

  TimerId start_timer(std::chrono::milliseconds after, std::function<void()> fn);
  void cancel_timer(TimerId id);  // no-op for a fired or unknown timer

  // Calls fn on the loop thread whenever fd is readable, for the loop's lifetime.
  void watch_fd(int fd, std::function<void()> fn);

  su_root_s* root();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace callbackd::sip
