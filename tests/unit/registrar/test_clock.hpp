#pragma once
// A clock the test moves by hand.
#include <chrono>

#include "callback/job_scheduler.hpp"

namespace callbackd::registrar {

class TestClock final : public callback::ClockSource {
 public:
  callback::TimePoint now() const override { return now_; }
  void advance(std::chrono::milliseconds d) { now_ += d; }

 private:
  callback::TimePoint now_ = callback::TimePoint(std::chrono::hours(24 * 365 * 50));
};

}  // namespace callbackd::registrar
