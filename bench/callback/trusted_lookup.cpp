// Trusted-caller lookup per trigger: the indexed store lookup (Store::trusted_caller_candidates, then
// find_trusted_caller's ranking) against the old list_phones() + linear find_trusted_caller. The database is
// filled once per size in a temp file: 90% exact numbers, 10% patterns ("+1<6..9 digits>*", some with '?').
// Half the looked-up numbers are entries, half are random (most then only match a pattern or nothing).
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "callback/caller_match.hpp"
#include "store/caller_key.hpp"
#include "store/store.hpp"

namespace {

using callbackd::store::Store;

std::string number_of(std::uint64_t n) {
  return "+1" + std::to_string(2'000'000'000ULL + n * 7919ULL % 8'000'000'000ULL);
}

// One transaction, synchronous=OFF, one prepared statement: create_phone's fsync per row would take hours.
void fill(const std::string& path, int entries) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA synchronous=OFF; BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO authorized_phones (caller_type, caller_address, callback_enabled, "
                     "callback_type, exact_key, pattern_prefix) VALUES ('pstn', ?, 1, 'auto', ?, ?)",
                     -1, &st, nullptr);
  for (int i = 0; i < entries; ++i) {
    std::string address = number_of(static_cast<std::uint64_t>(i));
    if (i % 10 == 9) {  // a pattern: the number cut to 6..9 digits after "+1", then '*' or '?*'
      address.resize(8 + static_cast<std::size_t>(i % 4));
      address += (i % 20 == 19) ? "?*" : "*";
    }
    const auto keys = callbackd::store::caller_keys(address);
    sqlite3_bind_text(st, 1, address.c_str(), -1, SQLITE_TRANSIENT);
    keys.exact_key ? sqlite3_bind_text(st, 2, keys.exact_key->c_str(), -1, SQLITE_TRANSIENT)
                   : sqlite3_bind_null(st, 2);
    keys.pattern_prefix ? sqlite3_bind_text(st, 3, keys.pattern_prefix->c_str(), -1, SQLITE_TRANSIENT)
                        : sqlite3_bind_null(st, 3);
    sqlite3_step(st);  // a duplicate address (two patterns cut to one prefix) is simply skipped
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(db);
}

// The store for `entries`, filled on first use and kept for the other benchmarks of the same size.
Store& store_with(int entries) {
  static std::map<int, std::unique_ptr<Store>> stores;  // bench-local cache, never touched by the server
  auto& s = stores[entries];
  if (!s) {
    const auto path = (std::filesystem::temp_directory_path() /
                       ("callbackd-bench-lookup-" + std::to_string(entries) + ".db"))
                          .string();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
    callbackd::store::open_sqlite_store(path);  // creates the schema
    fill(path, entries);
    s = callbackd::store::open_sqlite_store(path);
  }
  return *s;
}

std::string probe(std::mt19937_64& rng, int entries) {
  if (rng() % 2 == 0) return number_of(rng() % static_cast<std::uint64_t>(entries));
  return "+1" + std::to_string(2'000'000'000ULL + rng() % 8'000'000'000ULL);
}

void BM_IndexedLookup(benchmark::State& state) {
  const int entries = static_cast<int>(state.range(0));
  Store& store = store_with(entries);
  std::mt19937_64 rng(1);
  std::int64_t found = 0;
  for (auto _ : state) {
    const auto p = callbackd::callback::find_trusted_caller(store, probe(rng, entries));
    found += p ? 1 : 0;
    benchmark::DoNotOptimize(p);
  }
  state.counters["lookups/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["found"] = static_cast<double>(found) / static_cast<double>(state.iterations());
}

void BM_ListPhonesLinear(benchmark::State& state) {
  const int entries = static_cast<int>(state.range(0));
  Store& store = store_with(entries);
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    const auto phones = store.list_phones();
    benchmark::DoNotOptimize(callbackd::callback::find_trusted_caller(phones, probe(rng, entries)));
  }
  state.counters["lookups/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_IndexedLookup)->Arg(1)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ListPhonesLinear)->Arg(100'000)->Unit(benchmark::kMillisecond)->Iterations(20);

}  // namespace
