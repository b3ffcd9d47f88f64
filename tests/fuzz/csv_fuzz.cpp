// web::parse_csv reads an uploaded Authorized Phones import. Besides surviving any upload: no blank row comes
// out, and the rows round-trip through our own writer (csv_line, used by the exports), so an export
// re-imports as exactly the rows it was made from.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "web/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace callbackd::web;
  std::string error;
  const auto rows = parse_csv(callbackd::fuzz::text(data, size), error);
  if (!rows) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  std::string exported;
  for (const auto& row : *rows) {
    FUZZ_CHECK(!row.empty() && !(row.size() == 1 && row[0].empty()));
    exported += csv_line(row);
  }
  std::string again_error;
  const auto again = parse_csv(exported, again_error);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(*again == *rows);
  return 0;
}
