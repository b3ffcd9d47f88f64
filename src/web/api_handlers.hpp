#pragma once
// The REST handlers, free of HTTP plumbing: each takes the decoded path parameter and body and returns a
// status with a JSON body. api_server.cpp maps them onto routes and turns store exceptions into 409/503.
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/store.hpp"
#include "web/api_server.hpp"

namespace callbackd::web {

struct Reply {
  Reply() = default;
  Reply(int s, nlohmann::json b) : status(s), body(std::move(b)) {}
  Reply(int s, std::string t, std::string type)
      : status(s), text(std::move(t)), content_type(std::move(type)) {}

  int status = 200;
  nlohmann::json body;  // null: no body (204), or `text` when it is set
  std::string text;     // a non-JSON body (CSV) of type `content_type`
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
};

Reply error_reply(int status, const std::string& message, const std::string& field = {});

// The "warning" that answers and lists carry when a caller pattern trusts too many callers, e.g.
// `caller_address "+1809*" matches every number of area code +1 809`, or when an entry stored before the API
// refused them can never match a caller (validation.hpp: unmatchable_caller_address).
std::optional<std::string> caller_address_warning(const std::string& caller_address);

class ApiHandlers {
 public:
  ApiHandlers(store::Store& store, ApiSettings settings) : store_(store), settings_(std::move(settings)) {}

  Reply list_phones();
  Reply get_phone(std::int64_t id);
  Reply create_phone(const std::string& body);
  Reply replace_phone(std::int64_t id, const std::string& body);
  Reply delete_phone(std::int64_t id);

  Reply list_extensions();
  Reply get_extension(const std::string& number);
  Reply create_extension(const std::string& body);
  Reply replace_extension(const std::string& number, const std::string& body);
  Reply delete_extension(const std::string& number);

  Reply list_jobs(const std::optional<std::string>& limit);
  Reply get_job(std::int64_t id);
  Reply cancel_job(std::int64_t id);
  Reply list_call_records(const std::optional<std::string>& limit);

  void on_job_cancelled(std::function<void(std::int64_t)> cb);

 private:
  nlohmann::json phone_json(const store::AuthorizedPhone& p) const;
  nlohmann::json extension_json(const store::Extension& e, const Registrations& live) const;
  Registrations registrations() const;
  std::optional<Reply> check_references(const store::AuthorizedPhone& p);

  store::Store& store_;
  ApiSettings settings_;
  std::mutex hook_mu_;
  std::function<void(std::int64_t)> on_cancelled_;
};

}  // namespace callbackd::web
