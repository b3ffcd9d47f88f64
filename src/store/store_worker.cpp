#include "store/store_worker.hpp"

#include <spdlog/spdlog.h>

namespace callbackd::store {
namespace {
// Bounds one batch, so the first call's result is not held back by an endless stream behind it.
constexpr std::size_t kMaxBatch = 64;
}  // namespace

StoreWorker::StoreWorker(Store& store, Post post)
    : store_(store), post_(std::move(post)), thread_([this] { loop(); }) {}

StoreWorker::~StoreWorker() {
  stop();
}

void StoreWorker::enqueue(Task task) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(task));
      cv_.notify_one();
      return;
    }
  }
  post_(task(nullptr, nullptr)->report());  // outside the lock: post_ may take the loop's own lock
}

std::size_t StoreWorker::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void StoreWorker::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::unique_ptr<WriteBatch> StoreWorker::open_batch() {
  try {
    return store_.begin_batch();
  } catch (const std::exception& e) {
    // The database is locked or failing: each call then runs (and most likely fails) by itself.
    spdlog::warn("store: no write batch ({}); running calls one by one", e.what());
    return nullptr;
  }
}

void StoreWorker::run_round(std::vector<Task>& tasks) {
  std::vector<std::unique_ptr<Result>> results;
  results.reserve(tasks.size());
  auto finish = [&](const char* undo_error) {
    for (auto& r : results) {
      if (undo_error != nullptr) r->undo(undo_error);
      post_(r->report());
    }
    results.clear();
  };
  auto batch = open_batch();
  for (auto& task : tasks) {
    results.push_back(task(&store_, batch.get()));
    if (batch && !batch->intact()) {
      // SQLite undid the whole transaction (disk full, I/O error): what ran in it is not written.
      finish("the database rolled the batch back");
      batch = open_batch();
    }
  }
  if (batch) {
    try {
      batch->commit();
    } catch (const std::exception& e) {
      for (auto& r : results) r->undo(e.what());
    }
  }
  finish(nullptr);
}

void StoreWorker::loop() {
  for (;;) {
    std::vector<Task> round;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      // Shutdown drains: every call submitted before stop() still runs and reports.
      if (queue_.empty()) return;
      while (!queue_.empty() && round.size() < kMaxBatch) {
        round.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    run_round(round);
  }
}

}  // namespace callbackd::store
