#include "store/store_worker.hpp"

namespace callbackd::store {

StoreWorker::StoreWorker(Store& store, Post post)
    : store_(store), post_(std::move(post)), thread_([this] { loop(); }) {}

StoreWorker::~StoreWorker() {
  stop();
}

namespace {
// Bounds one group commit, so the first record's done is not held back by an endless stream.
constexpr std::size_t kMaxBatch = 64;
}  // namespace

void StoreWorker::enqueue(Item item) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(item));
      cv_.notify_one();
      return;
    }
  }
  refuse(item);  // outside the lock: post_ may take the loop's own lock
}

void StoreWorker::add_call_record(CallRecord record, RecordDone done) {
  enqueue(Item{nullptr, RecordWrite{std::move(record), std::move(done)}});
}

void StoreWorker::refuse(Item& item) {
  if (item.task) {
    post_(item.task(nullptr));
    return;
  }
  const auto out = failed<std::int64_t>(StoreFailure::Unavailable, "store worker stopped");
  post_([done = std::move(item.record->done), out] { done(out); });
}

void StoreWorker::write_records(std::vector<RecordWrite>& batch) {
  std::vector<CallRecord> records;
  records.reserve(batch.size());
  for (const auto& w : batch) records.push_back(w.record);
  const auto ids = run<std::vector<std::int64_t>>([&] { return store_.add_call_records(records); });
  for (std::size_t i = 0; i < batch.size(); ++i) {
    StoreOutcome<std::int64_t> out;
    out.failure = ids.failure;
    out.error = ids.error;
    if (ids.ok()) out.value = (*ids.value)[i];
    post_([done = std::move(batch[i].done), out] { done(out); });
  }
}

void StoreWorker::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void StoreWorker::loop() {
  for (;;) {
    Item item;
    std::vector<RecordWrite> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      // Shutdown drains: every call submitted before stop() still runs and reports.
      if (queue_.empty()) return;
      item = std::move(queue_.front());
      queue_.pop_front();
      // Records queued right behind this one join its transaction; order with other calls is kept.
      while (item.record && batch.size() + 1 < kMaxBatch && !queue_.empty() && queue_.front().record) {
        batch.push_back(std::move(*queue_.front().record));
        queue_.pop_front();
      }
    }
    if (item.task) {
      post_(item.task(&store_));
      continue;
    }
    batch.insert(batch.begin(), std::move(*item.record));
    write_records(batch);
  }
}

}  // namespace callbackd::store
