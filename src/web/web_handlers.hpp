#pragma once
// The REST endpoints that web management added on top of api_handlers: server-side search and paging of the
// Authorized Phones Database, CSV import (all or nothing) and export, filtered call records, and the
// read-only view of what only the TOML file sets. Free of HTTP plumbing, like ApiHandlers.
#include <map>
#include <string>

#include "store/admin_store.hpp"
#include "store/store.hpp"
#include "web/api_handlers.hpp"

namespace callbackd::web {

using Query = std::map<std::string, std::string>;  // the request's query parameters

class WebHandlers {
 public:
  WebHandlers(store::Store& store, store::AdminStore& admins, const ApiSettings& settings)
      : store_(store), admins_(admins), settings_(settings) {}

  Reply search_phones(const Query& q);  // ?q=&offset=&limit=&sort=[-]field; X-Total-Count header
  Reply check_pattern(const Query& q);  // ?caller_address= -> {"warning"} when it trusts too many callers
  Reply export_phones();
  Reply import_phones(const std::string& csv);
  Reply search_records(const Query& q);  // ?from=&to=&number=&result=&offset=&limit=
  Reply export_records(const Query& q);
  Reply settings() const;
  Reply dashboard();  // jobs by state, callbacks per hour over the last 24 h, recent failures

 private:
  nlohmann::json phone_json(const store::AuthorizedPhone& p) const;

  store::Store& store_;
  store::AdminStore& admins_;
  const ApiSettings& settings_;
};

}  // namespace callbackd::web
