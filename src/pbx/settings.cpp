#include "pbx/settings.hpp"

namespace callbackd::pbx {

std::string HostPort::str() const {
  return host.find(':') == std::string::npos ? host + ":" + std::to_string(port)
                                             : "[" + host + "]:" + std::to_string(port);
}

callback::LineDialing dialing_of(const Line& line) {
  return {line.country, line.strip_prefixes, line.allow_carrier_codes, line.dial_format,
          line.allow_international};
}

callback::TollPolicy make_toll_policy(const callback::PolicySettings& policy,
                                      const std::vector<Line>& lines) {
  std::vector<callback::PolicyGateway> gateways;
  gateways.reserve(lines.size());
  for (const auto& l : lines) {
    // As the SIP URI grammar keeps a host: IPv6 in brackets.
    const bool v6 = l.gateway.host.find(':') != std::string::npos;
    gateways.push_back({v6 ? "[" + l.gateway.host + "]" : l.gateway.host, l.gateway.port, dialing_of(l)});
  }
  return callback::TollPolicy(policy, std::move(gateways));
}

}  // namespace callbackd::pbx
