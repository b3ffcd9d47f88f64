#include "web/csv.hpp"

#include <algorithm>

namespace callbackd::web {
namespace {

bool is_blank(const CsvRow& row) {
  return row.size() == 1 && row[0].empty();
}

}  // namespace

std::optional<std::vector<CsvRow>> parse_csv(std::string_view text, std::string& error) {
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      if (!is_blank(row)) rows.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
    }
  }
  if (quoted) {
    error = "a quoted field is not closed";
    return std::nullopt;
  }
  row.push_back(std::move(field));
  if (!is_blank(row)) rows.push_back(std::move(row));
  return rows;
}

std::string csv_field(std::string_view value) {
  const bool needs_quotes = std::any_of(
      value.begin(), value.end(), [](char c) { return c == ',' || c == '"' || c == '\n' || c == '\r'; });
  if (!needs_quotes) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += csv_field(fields[i]);
  }
  out += "\r\n";
  return out;
}

}  // namespace callbackd::web
