#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "app/server.hpp"

namespace callbackd::app {
namespace {

std::string random_hex(std::size_t bytes) {
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  std::string raw(bytes, '\0');
  if (!urandom.read(raw.data(), static_cast<std::streamsize>(bytes))) {
    throw std::runtime_error("cannot read /dev/urandom");
  }
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 0x0f];
  }
  return out;
}

}  // namespace

std::string resolve_admin_token(const Config& config) {
  if (!config.web.admin_token.empty()) return config.web.admin_token;
  const auto path = std::filesystem::path(config.store.sqlite).parent_path() / "admin_token";
  if (std::ifstream in(path); in) {
    std::string token;
    std::getline(in, token);
    if (token.size() >= 16) return token;
    throw std::runtime_error(path.string() + " holds no usable token (delete it to generate a new one)");
  }
  std::string token = random_hex(24);
  // O_EXCL|0600: the token is created private, never readable by others even for an instant.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + path.string());
  const std::string line = token + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + path.string());
  std::cerr << "callbackd: generated the admin token (kept in " << path.string() << "): " << token << "\n";
  return token;
}

}  // namespace callbackd::app
