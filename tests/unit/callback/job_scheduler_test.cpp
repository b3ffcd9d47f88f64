#include "callback/job_scheduler.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <vector>

namespace callbackd::callback {
namespace {

using std::chrono::seconds;

// A clock the test moves by hand, so due times are checked without waiting.
struct FakeClock final : ClockSource {
  TimePoint t{seconds(1'700'000'000)};
  TimePoint now() const override { return t; }
  void advance(Clock::duration d) { t += d; }
};

using Ids = std::vector<std::int64_t>;

TEST(JobScheduler, EmptyHasNothing) {
  JobScheduler s;
  FakeClock clock;
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(s.next_due().has_value());
  EXPECT_TRUE(s.take_due(clock.now()).empty());
  EXPECT_FALSE(s.remove(1));
}

TEST(JobScheduler, JobsComeDueInOrder) {
  JobScheduler s;
  FakeClock clock;
  s.add(3, clock.now() + seconds(30));
  s.add(1, clock.now() + seconds(10));
  s.add(2, clock.now() + seconds(20));
  EXPECT_EQ(s.next_due(), clock.now() + seconds(10));

  clock.advance(seconds(9));
  EXPECT_TRUE(s.take_due(clock.now()).empty());
  clock.advance(seconds(1));
  EXPECT_EQ(s.take_due(clock.now()), Ids{1});
  EXPECT_EQ(s.next_due(), clock.now() + seconds(10));
  clock.advance(seconds(25));
  EXPECT_EQ(s.take_due(clock.now()), (Ids{2, 3}));
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(s.next_due().has_value());
}

TEST(JobScheduler, TakeDueReturnsNothingEarly) {
  JobScheduler s;
  FakeClock clock;
  s.add(7, clock.now() + seconds(3));
  EXPECT_TRUE(s.take_due(clock.now()).empty());
  EXPECT_TRUE(s.take_due(clock.now() + seconds(3) - std::chrono::microseconds(1)).empty());
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.take_due(clock.now() + seconds(3)), Ids{7});
}

TEST(JobScheduler, OverdueJobsAreReturned) {
  JobScheduler s;
  FakeClock clock;
  s.add(5, clock.now() - seconds(60));  // e.g. recovered after a restart
  EXPECT_EQ(s.take_due(clock.now()), Ids{5});
}

TEST(JobScheduler, RemoveWorks) {
  JobScheduler s;
  FakeClock clock;
  s.add(1, clock.now() + seconds(1));
  s.add(2, clock.now() + seconds(2));
  EXPECT_TRUE(s.remove(1));
  EXPECT_FALSE(s.remove(1));
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.next_due(), clock.now() + seconds(2));
  clock.advance(seconds(5));
  EXPECT_EQ(s.take_due(clock.now()), Ids{2});
  EXPECT_FALSE(s.remove(2));  // already taken
}

TEST(JobScheduler, ReAddMovesTheJob) {
  JobScheduler s;
  FakeClock clock;
  s.add(1, clock.now() + seconds(1));
  s.add(2, clock.now() + seconds(2));
  s.add(1, clock.now() + seconds(10));  // retry later
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.next_due(), clock.now() + seconds(2));
  clock.advance(seconds(5));
  EXPECT_EQ(s.take_due(clock.now()), Ids{2});
  s.add(1, clock.now());  // and back to now
  EXPECT_EQ(s.take_due(clock.now()), Ids{1});
  EXPECT_EQ(s.size(), 0u);
}

TEST(JobScheduler, ManyJobsWithSameDueTimeAllReturned) {
  JobScheduler s;
  FakeClock clock;
  const auto due = clock.now() + seconds(3);
  Ids expected;
  for (std::int64_t id = 1000; id > 0; --id) s.add(id, due);
  for (std::int64_t id = 1; id <= 1000; ++id) expected.push_back(id);
  s.add(5000, due + seconds(1));
  EXPECT_EQ(s.size(), 1001u);
  clock.advance(seconds(3));
  EXPECT_EQ(s.take_due(clock.now()), expected);  // same due time: by id, stable
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.next_due(), due + seconds(1));
}

TEST(JobScheduler, SystemClockIsUsable) {
  SystemClock clock;
  JobScheduler s;
  s.add(1, clock.now());
  EXPECT_EQ(s.take_due(clock.now()), Ids{1});
}

}  // namespace
}  // namespace callbackd::callback
