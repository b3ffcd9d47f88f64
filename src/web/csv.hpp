#pragma once
// RFC 4180 CSV for the Authorized Phones Database's import and the exports: quoted fields, doubled quotes,
// CRLF or LF line ends.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace callbackd::web {

using CsvRow = std::vector<std::string>;

// The rows of `text` (blank lines skipped), or nullopt with `error` set when a quote is left open.
std::optional<std::vector<CsvRow>> parse_csv(std::string_view text, std::string& error);

// One field, quoted when it holds a separator, a quote or a line break.
std::string csv_field(std::string_view value);
std::string csv_line(const std::vector<std::string>& fields);  // ends with CRLF

}  // namespace callbackd::web
