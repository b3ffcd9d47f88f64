// The toll-fraud policy fails closed: whatever dial string a caller keys (digits, '+', '*', '#', as the
// keypad and the REST API can spell them), a number it allows must be a number libphonenumber validates, of
// an allowed type (domestic fixed or mobile, or toll free, under the default policy), in the line's own
// country, and what the line is sent must be that number normalised (E.164 here), never the keys. The first
// byte picks the line's country and rules; the rest is the dial string, one key per byte.
#include <phonenumbers/phonenumberutil.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "callback/toll_policy.hpp"
#include "fuzz_check.hpp"

namespace {

using callbackd::callback::DialFormat;
using callbackd::callback::LineDialing;
using callbackd::callback::NumberClass;
using callbackd::callback::TollPolicy;
using Util = i18n::phonenumbers::PhoneNumberUtil;

constexpr std::array<const char*, 6> kCountries = {"US", "GB", "CA", "DE", "FR", "AU"};
constexpr std::string_view kKeys = "0123456789012345678901234567890123456789+*#";

const TollPolicy& policy() {
  static const TollPolicy p;  // the default [policy]
  return p;
}

void check_allowed(const std::string& dial, const LineDialing& line) {
  const auto judged = policy().judge_number(dial, line);
  if (!judged.allowed()) {
    FUZZ_CHECK(judged.number.empty());
    return;
  }
  const auto info = policy().classify(dial, line);
  FUZZ_CHECK(info.kind == NumberClass::Domestic || info.kind == NumberClass::TollFree);
  FUZZ_CHECK(!info.international);
  FUZZ_CHECK(judged.number == info.e164 && judged.e164 == info.e164);
  const Util& util = *Util::GetInstance();
  i18n::phonenumbers::PhoneNumber n;
  FUZZ_CHECK(util.Parse(judged.number, "ZZ", &n) == Util::NO_PARSING_ERROR);
  FUZZ_CHECK(util.IsValidNumber(n));
  std::string region;
  util.GetRegionCodeForNumber(n, &region);
  FUZZ_CHECK(region == line.country);
  std::string again;
  util.Format(n, Util::E164, &again);
  FUZZ_CHECK(again == judged.number);
  // The normalised number judged again is the same allowed number: storing it changes nothing.
  FUZZ_CHECK(policy().judge_number(judged.number, line).number == judged.number);
  FUZZ_CHECK(dial.find_first_of("*#") == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 64) return 0;
  LineDialing line;
  line.country = kCountries[data[0] % kCountries.size()];
  if ((data[0] & 0x40) != 0) line.strip_prefixes = {"9", "81"};
  line.allow_carrier_codes = (data[0] & 0x80) != 0;
  line.format = DialFormat::E164;
  std::string dial;
  for (std::size_t i = 1; i < size; ++i) dial.push_back(kKeys[data[i] % kKeys.size()]);
  check_allowed(dial, line);
  return 0;
}
