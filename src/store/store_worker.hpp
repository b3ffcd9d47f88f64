#pragma once
// The asynchronous store port: a thread of its own runs store calls in the order they were submitted and
// hands each result back through `post` (the call-control loop's EventLoop::post), the way media posts DTMF.
// A slow disk (fsync) then delays the result, never the signalling.
//
// Group commit: the calls queued when the worker looks are run in one write batch (Store::begin_batch), so
// one fsync covers them all, and each result is posted only after that commit. A job reported created is on
// disk (the store commits with synchronous=FULL). A call that throws is undone alone; when the commit fails,
// every call of the batch reports StoreFailure::Unavailable.
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "store/outcome.hpp"
#include "store/store.hpp"

namespace callbackd::store {

class StoreWorker {
 public:
  using Post = std::function<void(std::function<void()>)>;

  // `store` must outlive the worker; `post` is called from the worker thread.
  StoreWorker(Store& store, Post post);
  ~StoreWorker();  // stop()
  StoreWorker(const StoreWorker&) = delete;
  StoreWorker& operator=(const StoreWorker&) = delete;

  // Runs work(store) on the worker thread after everything submitted before it, then posts done(outcome).
  // After stop(), done is posted at once with StoreFailure::Unavailable.
  template <typename Work, typename Done>
  void submit(Work work, Done done) {
    using R = std::invoke_result_t<Work&, Store&>;
    using V = std::conditional_t<std::is_void_v<R>, std::monostate, R>;
    enqueue([work = std::move(work), done = std::move(done)](Store* store, WriteBatch* batch) mutable {
      auto result = std::make_unique<ResultOf<V, Done>>(std::move(done));
      if (store == nullptr) {
        result->fail(StoreFailure::Unavailable, "store worker stopped");
        return std::unique_ptr<Result>(std::move(result));
      }
      capture(*result, [&] {
        auto call = [&] {
          if constexpr (std::is_void_v<R>) {
            work(*store);
            result->out.value.emplace();
          } else {
            result->out.value.emplace(work(*store));
          }
        };
        if (batch != nullptr) {
          batch->isolate(call);
        } else {
          call();
        }
      });
      return std::unique_ptr<Result>(std::move(result));
    });
  }

  // Calls queued and not yet taken into a batch.
  std::size_t queued() const;

  // Runs what is queued, posts its results, and joins the thread. Idempotent.
  void stop();

 private:
  // A call's result, held until its batch is committed.
  class Result {
   public:
    virtual ~Result() = default;
    virtual void fail(StoreFailure f, const std::string& error) = 0;
    // The batch was not committed: a call that had succeeded did not happen after all.
    virtual void undo(const std::string& error) = 0;
    virtual std::function<void()> report() = 0;  // the closure to post
  };
  template <typename V, typename Done>
  struct ResultOf final : Result {
    explicit ResultOf(Done d) : done(std::move(d)) {}
    void fail(StoreFailure f, const std::string& error) override {
      out.value.reset();
      out.failure = f;
      out.error = error;
    }
    void undo(const std::string& error) override {
      if (out.ok()) fail(StoreFailure::Unavailable, error);
    }
    std::function<void()> report() override {
      return [done = std::move(done), out = std::move(out)]() mutable { done(out); };
    }
    Done done;
    StoreOutcome<V> out;
  };
  // A queued call: given the store (nullptr when refused) and the open batch (nullptr when none), it runs.
  using Task = std::function<std::unique_ptr<Result>(Store*, WriteBatch*)>;

  // Turns the store's exceptions into the outcome: a failing call must not end the worker thread.
  template <typename F>
  static void capture(Result& result, F&& f) {
    try {
      f();
    } catch (const DuplicateError& e) {
      result.fail(StoreFailure::Duplicate, e.what());
    } catch (const std::exception& e) {
      result.fail(StoreFailure::Unavailable, e.what());
    }
  }

  void enqueue(Task task);
  std::unique_ptr<WriteBatch> open_batch();
  void run_round(std::vector<Task>& tasks);
  void loop();

  Store& store_;
  Post post_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace callbackd::store
