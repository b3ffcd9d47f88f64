#pragma once
// How a resolved callback target is kept in a job's `destination` column: a "sip:" URI as it is, a PSTN
// number as it is, an extension as "ext:<number>". Both directions live here so that they cannot drift apart.
#include <string>

#include "callback/policy.hpp"

namespace callbackd::pbx {

inline std::string to_job_destination(const callback::DialTarget& t) {
  return t.kind == callback::DialTarget::Kind::Extension ? "ext:" + t.value : t.value;
}

inline callback::DialTarget from_job_destination(const std::string& destination) {
  using Kind = callback::DialTarget::Kind;
  if (destination.starts_with("sip:")) return {Kind::SipUri, destination};
  if (destination.starts_with("ext:")) return {Kind::Extension, destination.substr(4)};
  return {Kind::Pstn, destination};
}

}  // namespace callbackd::pbx
