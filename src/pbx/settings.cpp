#include "pbx/settings.hpp"

namespace callbackd::pbx {

std::string HostPort::str() const {
  return host.find(':') == std::string::npos ? host + ":" + std::to_string(port)
                                             : "[" + host + "]:" + std::to_string(port);
}

}  // namespace callbackd::pbx
