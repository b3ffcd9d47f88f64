// callback::Destination::parse is the one parser of callback destinations: the REST API validates with it,
// the trigger resolves with it and a job row is read back with it. So beyond surviving any text, its
// canonical form must parse again, under the same callback_type, to the same destination; otherwise a
// destination the API accepted could not be dialed. The first byte picks the callback_type.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "callback/caller_match.hpp"
#include "callback/destination.hpp"
#include "fuzz_check.hpp"

namespace {
constexpr callbackd::store::CallbackType kTypes[] = {
    callbackd::store::CallbackType::Auto, callbackd::store::CallbackType::Sip,
    callbackd::store::CallbackType::Pstn, callbackd::store::CallbackType::Pbx};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace callbackd::callback;
  if (size == 0) return 0;
  const auto type = kTypes[data[0] % 4];
  const auto text = callbackd::fuzz::text(data + 1, size - 1);
  const auto parsed = Destination::parse(text, type);
  if (!parsed) {
    FUZZ_CHECK(!parsed.error.empty());
  } else {
    FUZZ_CHECK((parsed->kind() == Destination::Kind::SipUri) == (parsed->sip() != nullptr));
    const auto again = Destination::parse(parsed->text(), type);
    FUZZ_CHECK(again.destination.has_value());
    FUZZ_CHECK(*again.destination == *parsed.destination);
  }
  // Call Relay's keypad IP dial string: what it accepts is a SIP URI whose canonical text is the URI again.
  const auto ip = Destination::parse_ip_dial(text);
  if (ip) {
    FUZZ_CHECK(ip->sip() != nullptr && ip->sip()->host_kind == HostKind::IPv4);
    const auto uri = parse_sip_uri(ip->text());
    FUZZ_CHECK(uri.uri.has_value() && uri.uri->host == ip->sip()->host);
  } else {
    FUZZ_CHECK(!ip.error.empty());
  }
  // The caller match globs the same kind of text; the input split at its first '\n' is a pattern and an
  // address.
  const auto nl = text.find('\n');
  if (nl != std::string_view::npos) (void)wildcard_match(text.substr(0, nl), text.substr(nl + 1));
  return 0;
}
