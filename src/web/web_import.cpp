// CSV import of the Authorized Phones Database: every row is checked with the REST API's own rules first, and
// only a file without a single error is written, in one transaction.
#include <spdlog/spdlog.h>

#include <set>

#include "web/csv.hpp"
#include "web/validation.hpp"
#include "web/web_handlers.hpp"

namespace callbackd::web {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxRows = 20000;
bool is_bool_column(const std::string& column) {
  return column == "auto_call_relay" || column == "callback_enabled";
}

// A cell as the JSON value the REST API would have received; a value of the wrong kind stays a string, so
// that parse_phone() reports it with the API's message.
json cell_value(const std::string& column, const std::string& cell) {
  if (is_bool_column(column)) {
    if (cell == "true" || cell == "1" || cell == "yes") return true;
    if (cell == "false" || cell == "0" || cell == "no" || cell.empty()) return false;
    return cell;
  }
  if (column == "callback_delay_s") {
    if (cell.empty()) return nullptr;
    try {
      std::size_t used = 0;
      const long long n = std::stoll(cell, &used);
      if (used == cell.size()) return n;
    } catch (const std::exception&) {
    }
    return cell;
  }
  if (column == "login_extension" && cell.empty()) return nullptr;
  return cell;
}

json row_error(std::size_t line, const std::string& field, const std::string& message) {
  return {{"row", line}, {"field", field}, {"error", message}};
}

Reply refused(const json& errors) {
  Reply r =
      error_reply(400, std::to_string(errors.size()) + " row(s) have errors; nothing was imported", "file");
  r.body["rows"] = errors;
  return r;
}

}  // namespace

Reply WebHandlers::import_phones(const std::string& text) {
  std::string error;
  const auto rows = parse_csv(text, error);
  if (!rows) return error_reply(400, "the file is not valid CSV: " + error, "file");
  if (rows->size() < 2) return error_reply(400, "the file has a header row and no entries", "file");
  if (rows->size() > kMaxRows + 1) return error_reply(400, "at most 20000 entries per file", "file");
  const CsvRow& header = rows->front();
  json errors = json::array();
  std::vector<store::AuthorizedPhone> phones;
  std::set<std::string> seen;
  const auto exists = [this](const std::string& n) { return store_.get_extension(n).has_value(); };
  for (std::size_t i = 1; i < rows->size(); ++i) {
    const CsvRow& row = (*rows)[i];
    const std::size_t line = i + 1;  // as a spreadsheet numbers it, the header being row 1
    if (row.size() != header.size()) {
      errors.push_back(row_error(
          line, "file",
          "expected " + std::to_string(header.size()) + " fields, found " + std::to_string(row.size())));
      continue;
    }
    json body = json::object();
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (header[c] != "id") body[header[c]] = cell_value(header[c], row[c]);
    }
    store::AuthorizedPhone p;
    auto err = parse_phone(body, p);
    if (!err) err = check_phone_references(p, exists);
    if (!err) err = check_phone_policy(p, settings_.destination_policy);
    if (!err && (!seen.insert(p.caller_address).second || admins_.caller_address_exists(p.caller_address))) {
      err = FieldError{"caller_address", "The record already exists"};
    }
    if (err) {
      errors.push_back(row_error(line, err->field, err->message));
      continue;
    }
    phones.push_back(p);
  }
  if (!errors.empty()) return refused(errors);
  admins_.import_phones(phones);  // a duplicate that raced in is a DuplicateError: 409, nothing written
  spdlog::info("api: imported {} authorized phones", phones.size());
  return Reply{201, json{{"imported", phones.size()}}};
}

}  // namespace callbackd::web
