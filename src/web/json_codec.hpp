#pragma once
// The JSON shapes of the REST API (docs/rest-api.md). Extensions are encoded without any password material.
#include <nlohmann/json.hpp>

#include "store/types.hpp"

namespace callbackd::web {

nlohmann::json iso8601(store::UnixTime t);  // "2026-11-26T07:27:34Z"
nlohmann::json to_json(const store::AuthorizedPhone& p);
nlohmann::json to_json(const store::Extension& e);
nlohmann::json to_json(const store::CallbackJob& j);
nlohmann::json to_json(const store::CallRecord& r);

template <typename T>
nlohmann::json to_json_array(const std::vector<T>& items) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& item : items) out.push_back(to_json(item));
  return out;
}

}  // namespace callbackd::web
