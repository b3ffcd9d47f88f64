#include "store/store_worker.hpp"

namespace callbackd::store {

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
  // Refused outside the lock: post_ may take the loop's own lock.
  post_(task(nullptr));
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
    Task task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      // Shutdown drains: every call submitted before stop() still runs and reports.
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    post_(task(&store_));
  }
}

}  // namespace callbackd::store
