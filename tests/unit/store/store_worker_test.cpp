// StoreWorker against a real SQLite file, with a fake loop: post() queues closures that the test runs, as
// the call-control loop would.
#include "store/store_worker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "unit/store/temp_dir.hpp"

namespace callbackd::store {
namespace {

class FakeLoop {
 public:
  StoreWorker::Post post() {
    return [this](std::function<void()> f) {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(f));
      cv_.notify_all();
    };
  }
  // Waits until n closures were posted, then runs them here, on the "loop" thread.
  void run(std::size_t n) {
    std::unique_lock lock(mu_);
    ASSERT_TRUE(cv_.wait_for(lock, std::chrono::seconds(5), [&] { return queue_.size() >= n; }));
    auto ready = std::move(queue_);
    queue_.clear();
    lock.unlock();
    for (auto& f : ready) f();
  }
  std::size_t posted() {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::function<void()>> queue_;
};

class StoreWorkerTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::unique_ptr<Store> store_ = open_sqlite_store(dir_.file("callbackd.db"));
  FakeLoop loop_;
};

AuthorizedPhone phone(const std::string& address) {
  AuthorizedPhone p;
  p.caller_address = address;
  return p;
}

TEST_F(StoreWorkerTest, ResultsArePostedToTheLoopInSubmissionOrder) {
  StoreWorker worker(*store_, loop_.post());
  std::vector<std::string> seen;
  const auto loop_thread = std::this_thread::get_id();
  for (const char* a : {"+1", "+2", "+3"}) {
    worker.submit([a](Store& s) { return s.create_phone(phone(a)); },
                  [&, loop_thread](const StoreOutcome<AuthorizedPhone>& out) {
                    EXPECT_EQ(std::this_thread::get_id(), loop_thread);  // done runs where post runs it
                    ASSERT_TRUE(out.ok());
                    seen.push_back(out.value->caller_address);
                  });
  }
  loop_.run(3);
  EXPECT_EQ(seen, (std::vector<std::string>{"+1", "+2", "+3"}));
  EXPECT_EQ(store_->list_phones().size(), 3u);  // on disk before done ran
}

TEST_F(StoreWorkerTest, StoreErrorsBecomeOutcomesAndTheWorkerGoesOn) {
  StoreWorker worker(*store_, loop_.post());
  std::vector<StoreFailure> failures;
  auto record = [&](const auto& out) { failures.push_back(out.failure); };
  worker.submit([](Store& s) { return s.create_phone(phone("+1")); }, record);
  worker.submit([](Store& s) { return s.create_phone(phone("+1")); }, record);
  worker.submit([](Store&) -> int { throw StoreError("disk full"); }, record);
  worker.submit([](Store& s) { s.delete_phone(1); }, record);  // void work: StoreOutcome<std::monostate>
  loop_.run(4);
  EXPECT_EQ(failures, (std::vector<StoreFailure>{StoreFailure::None, StoreFailure::Duplicate,
                                                 StoreFailure::Unavailable, StoreFailure::None}));
}

TEST_F(StoreWorkerTest, StopDrainsTheQueueAndLaterSubmitsAreRefused) {
  std::vector<int> done;
  {
    StoreWorker worker(*store_, loop_.post());
    for (int i = 0; i < 50; ++i) {
      worker.submit([i](Store& s) { return s.create_phone(phone("+10" + std::to_string(i))).id; },
                    [&](const StoreOutcome<std::int64_t>& out) { done.push_back(out.ok() ? 1 : 0); });
    }
    worker.stop();
    EXPECT_EQ(loop_.posted(), 50u);  // every queued call ran and reported before stop() returned
    bool ran = false;
    worker.submit([&](Store&) { ran = true; },
                  [&](const StoreOutcome<std::monostate>& out) {
                    EXPECT_EQ(out.failure, StoreFailure::Unavailable);
                    done.push_back(-1);
                  });
    EXPECT_FALSE(ran);
  }
  loop_.run(51);
  EXPECT_EQ(done.size(), 51u);
  EXPECT_EQ(std::count(done.begin(), done.end(), 1), 50);
  EXPECT_EQ(done.back(), -1);
  EXPECT_EQ(store_->list_phones().size(), 50u);
}

CallRecord record(const std::string& caller) {
  CallRecord r;
  r.direction = "inbound";
  r.caller = caller;
  r.started_at = 1000;
  return r;
}

// A call record written through the worker, as the call core writes them (pbx::CallManager::write_record).
template <typename Done>
void write_record(StoreWorker& worker, const CallRecord& r, Done done) {
  worker.submit([r](Store& s) { return s.add_call_record(r); }, std::move(done));
}

// Records queued behind a slow call are written together; a call queued between records still sees
// exactly the records submitted before it.
TEST_F(StoreWorkerTest, CallRecordsAreBatchedWithoutReordering) {
  StoreWorker worker(*store_, loop_.post());
  std::mutex gate;
  std::unique_lock hold(gate);
  worker.submit([&](Store&) { std::lock_guard wait(gate); }, [](const StoreOutcome<std::monostate>&) {});
  std::vector<std::int64_t> ids;
  auto keep = [&](const StoreOutcome<std::int64_t>& out) {
    ASSERT_TRUE(out.ok()) << out.error;
    ids.push_back(*out.value);
  };
  for (int i = 0; i < 5; ++i) write_record(worker, record("+1" + std::to_string(i)), keep);
  std::size_t seen_by_call = 0;
  worker.submit([](Store& s) { return s.list_call_records(0).size(); },
                [&](const StoreOutcome<std::size_t>& out) { seen_by_call = *out.value; });
  for (int i = 5; i < 8; ++i) write_record(worker, record("+1" + std::to_string(i)), keep);
  hold.unlock();
  loop_.run(1 + 8 + 1);
  EXPECT_EQ(seen_by_call, 5u);
  ASSERT_EQ(ids.size(), 8u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  const auto stored = store_->list_call_records(0);  // newest first
  ASSERT_EQ(stored.size(), 8u);
  EXPECT_EQ(stored.front().caller, "+17");
  EXPECT_EQ(stored.back().caller, "+10");
}

TEST_F(StoreWorkerTest, RecordsAfterStopAreRefused) {
  StoreWorker worker(*store_, loop_.post());
  worker.stop();
  StoreFailure failure = StoreFailure::None;
  write_record(worker, record("+1"), [&](const StoreOutcome<std::int64_t>& out) { failure = out.failure; });
  loop_.run(1);
  EXPECT_EQ(failure, StoreFailure::Unavailable);
  EXPECT_TRUE(store_->list_call_records(0).empty());
}

// The HTTP threads read on their own connections while the worker writes.
TEST_F(StoreWorkerTest, ReadersRunBesideTheWriter) {
  StoreWorker worker(*store_, loop_.post());
  for (int i = 0; i < 200; ++i) {
    worker.submit([i](Store& s) { return s.create_phone(phone("+20" + std::to_string(i))).id; },
                  [](const StoreOutcome<std::int64_t>& out) { EXPECT_TRUE(out.ok()) << out.error; });
  }
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      std::size_t last = 0;
      for (int i = 0; i < 50; ++i) {
        const auto n = store_->list_phones().size();
        EXPECT_GE(n, last);  // committed rows never disappear from a later read
        last = n;
      }
    });
  }
  for (auto& r : readers) r.join();
  worker.stop();
  loop_.run(200);
  EXPECT_EQ(store_->list_phones().size(), 200u);
}

// Calls queued together share one transaction (group commit): a call that fails is undone alone, with
// the writes it made before failing, and the others are written.
TEST_F(StoreWorkerTest, AFailingCallInABatchIsUndoneAloneAndTheOthersAreWritten) {
  StoreWorker worker(*store_, loop_.post());
  std::mutex gate;
  std::unique_lock hold(gate);
  worker.submit([&](Store&) { std::lock_guard wait(gate); }, [](const StoreOutcome<std::monostate>&) {});
  std::vector<StoreFailure> failures;
  auto keep = [&](const auto& out) { failures.push_back(out.failure); };
  worker.submit([](Store& s) { return s.create_phone(phone("+31")).id; }, keep);
  worker.submit(
      [](Store& s) {
        s.create_phone(phone("+32"));
        throw StoreError("disk full");
      },
      keep);
  worker.submit([](Store& s) { return s.create_phone(phone("+33")).id; }, keep);
  hold.unlock();
  loop_.run(4);
  EXPECT_EQ(failures,
            (std::vector<StoreFailure>{StoreFailure::None, StoreFailure::Unavailable, StoreFailure::None}));
  std::vector<std::string> stored;
  for (const auto& p : store_->list_phones()) stored.push_back(p.caller_address);
  EXPECT_EQ(stored, (std::vector<std::string>{"+31", "+33"}));
}

// A result is posted only once its batch is committed: until then other threads' reads do not see the
// write, and no done has run, so nothing counts a job as stored before it is on disk.
TEST_F(StoreWorkerTest, ResultsArePostedOnlyAfterTheBatchCommits) {
  StoreWorker worker(*store_, loop_.post());
  std::mutex first_gate;
  std::mutex second_gate;
  std::unique_lock hold_first(first_gate);
  std::unique_lock hold_second(second_gate);
  auto nothing = [](const StoreOutcome<std::monostate>&) {};
  // The worker takes this call alone and waits in it, so the next two are queued when it looks again and
  // go into one batch.
  std::atomic<bool> waiting{false};
  worker.submit(
      [&](Store&) {
        waiting = true;
        std::lock_guard wait(first_gate);
      },
      nothing);
  while (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::atomic<bool> written{false};
  worker.submit(
      [&](Store& s) {
        s.create_phone(phone("+41"));
        written = true;
      },
      nothing);
  worker.submit([&](Store&) { std::lock_guard wait(second_gate); }, nothing);
  hold_first.unlock();
  while (!written) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(store_->list_phones().empty()) << "another thread saw an uncommitted write";
  EXPECT_EQ(loop_.posted(), 1u) << "a result was posted before its batch committed";
  hold_second.unlock();
  loop_.run(3);
  EXPECT_EQ(store_->list_phones().size(), 1u);
}

}  // namespace
}  // namespace callbackd::store
