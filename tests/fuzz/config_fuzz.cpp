// app::parse_config reads the TOML configuration (toml++ underneath, our validation on top). A config it
// accepts must satisfy the rules it promises to check, since the server starts on it without further
// checks: the RTP range is 1024 <= min, min + 2 <= max; every address has a port; line names are present and
// unique.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <variant>

#include "app/config.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace callbackd::app;
  const auto result = parse_config(std::string(callbackd::fuzz::text(data, size)));
  if (const auto* errors = std::get_if<std::vector<ConfigError>>(&result)) {
    FUZZ_CHECK(!errors->empty());
    return 0;
  }
  const Config& c = std::get<Config>(result);
  FUZZ_CHECK(c.media.port_min >= 1024 && c.media.port_min + 2 <= c.media.port_max);
  FUZZ_CHECK(c.sip.listen.port != 0 && c.web.listen.port != 0);
  FUZZ_CHECK(c.sip.max_calls >= 1);
  std::set<std::string> names;
  for (const auto& line : c.lines) {
    FUZZ_CHECK(!line.name.empty() && line.gateway.port != 0 && line.channels >= 1);
    FUZZ_CHECK(names.insert(line.name).second);
  }
  return 0;
}
