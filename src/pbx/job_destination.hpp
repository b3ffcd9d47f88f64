#pragma once
// How a callback destination is kept in a job's `destination` column: a "sip:" URI and a PSTN number as their
// canonical text, an extension as "ext:<number>". Reading a row goes through the one destination parser, so a
// row an older version wrote that today's grammar refuses comes back as a refusal with its reason.
#include <string>
#include <string_view>

#include "callback/destination.hpp"

namespace callbackd::pbx {

inline std::string to_job_destination(const callback::Destination& d) {
  return d.kind() == callback::Destination::Kind::Extension ? "ext:" + d.text() : d.text();
}

inline callback::ParsedDestination from_job_destination(std::string_view destination) {
  if (destination.starts_with("ext:")) return callback::Destination::parse_extension(destination.substr(4));
  return callback::Destination::parse(destination, store::CallbackType::Auto);
}

}  // namespace callbackd::pbx
