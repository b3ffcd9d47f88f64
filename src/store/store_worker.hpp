#pragma once
// The asynchronous store port: a thread of its own runs store calls in the order they were submitted and
// hands each result back through `post` (the call-control loop's EventLoop::post), the way media posts DTMF.
// A slow disk (fsync) then delays the result, never the signalling. A result is posted only after the call
// returned, so a job reported created is on disk (the store commits with synchronous=FULL).
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "store/store.hpp"

namespace callbackd::store {

enum class StoreFailure {
  None,
  Unavailable,  // StoreError (locked, disk full, I/O), an unexpected exception, or the worker has stopped
  Duplicate,    // DuplicateError
};

// What a submitted call gave: its value, or why there is none. R = std::monostate for calls returning void.
template <typename R>
struct StoreOutcome {
  std::optional<R> value;
  StoreFailure failure = StoreFailure::None;
  std::string error;  // the exception's message when failure != None
  bool ok() const { return failure == StoreFailure::None; }
};

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
    enqueue([work = std::move(work), done = std::move(done)](Store* store) mutable {
      StoreOutcome<V> out;
      if (store == nullptr) {
        out = failed<V>(StoreFailure::Unavailable, "store worker stopped");
      } else {
        out = run<V>([&]() -> V {
          if constexpr (std::is_void_v<R>) {
            work(*store);
            return {};
          } else {
            return work(*store);
          }
        });
      }
      return std::function<void()>([done = std::move(done), out = std::move(out)]() mutable { done(out); });
    });
  }

  // Writes `record`. Call records queued back to back go to disk in one transaction (group commit: one fsync
  // for the lot); each done still gets its own id, or the batch's failure.
  using RecordDone = std::function<void(const StoreOutcome<std::int64_t>&)>;
  void add_call_record(CallRecord record, RecordDone done);

  // Runs what is queued, posts its results, and joins the thread. Idempotent.
  void stop();

 private:
  // A queued call: given the store (nullptr when refused), it runs and returns the closure to post.
  using Task = std::function<std::function<void()>(Store*)>;

  template <typename V>
  static StoreOutcome<V> failed(StoreFailure f, const std::string& error) {
    StoreOutcome<V> out;
    out.failure = f;
    out.error = error;
    return out;
  }
  // Turns the store's exceptions into an outcome: a failing call must not end the worker thread.
  template <typename V, typename F>
  static StoreOutcome<V> run(F&& f) {
    try {
      StoreOutcome<V> out;
      out.value.emplace(f());
      return out;
    } catch (const DuplicateError& e) {
      return failed<V>(StoreFailure::Duplicate, e.what());
    } catch (const std::exception& e) {
      return failed<V>(StoreFailure::Unavailable, e.what());
    }
  }

  struct RecordWrite {
    CallRecord record;
    RecordDone done;
  };
  // A call (task) or a call record to batch (record); exactly one is set.
  struct Item {
    Task task;
    std::optional<RecordWrite> record;
  };

  void enqueue(Item item);
  void enqueue(Task task) { enqueue(Item{std::move(task), std::nullopt}); }
  void refuse(Item& item);
  void write_records(std::vector<RecordWrite>& batch);
  void loop();

  Store& store_;
  Post post_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace callbackd::store
