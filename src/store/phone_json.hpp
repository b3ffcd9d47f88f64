#pragma once
// An authorized phone as JSON: the REST API's shape (docs/rest-api.md), and the old and new values of the
// audit rows that changes by phone write (pbx/remote.cpp), so an admin reads both the same way.
#include <nlohmann/json.hpp>

#include "store/types.hpp"

namespace callbackd::store {

nlohmann::json phone_json(const AuthorizedPhone& p);

}  // namespace callbackd::store
