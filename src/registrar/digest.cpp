#include "registrar/digest.hpp"

#include <openssl/crypto.h>

#include <cctype>
#include <set>

#include "store/password.hpp"

namespace callbackd::registrar {
namespace {

// Longest parameter value we read: a nonce or a URI is far shorter; more is an attack or garbage.
constexpr std::size_t kMaxValue = 1024;

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("-.!%*_+`'~").find(c) != std::string_view::npos;
}

void skip_space(std::string_view s, std::size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A quoted-string (escapes undone) or a token at s[i]; empty optional on broken syntax.
std::optional<std::string> read_value(std::string_view s, std::size_t& i) {
  std::string out;
  if (i < s.size() && s[i] == '"') {
    for (++i; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\\' && ++i == s.size()) return std::nullopt;
      out.push_back(s[i]);
      if (out.size() > kMaxValue) return std::nullopt;
    }
    if (i == s.size()) return std::nullopt;
    ++i;
    return out;
  }
  while (i < s.size() && is_token_char(s[i])) out.push_back(s[i++]);
  if (out.empty() || out.size() > kMaxValue) return std::nullopt;
  return out;
}

std::string* field(DigestCredentials& c, const std::string& name) {
  if (name == "username") return &c.username;
  if (name == "realm") return &c.realm;
  if (name == "nonce") return &c.nonce;
  if (name == "uri") return &c.uri;
  if (name == "response") return &c.response;
  if (name == "algorithm") return &c.algorithm;
  if (name == "cnonce") return &c.cnonce;
  if (name == "qop") return &c.qop;
  if (name == "nc") return &c.nc;
  if (name == "opaque") return &c.opaque;
  return nullptr;
}

}  // namespace

std::optional<DigestCredentials> parse_digest(std::string_view header) {
  std::size_t i = 0;
  skip_space(header, i);
  if (header.size() - i < 7 || lower(header.substr(i, 6)) != "digest" ||
      (header[i + 6] != ' ' && header[i + 6] != '\t')) {
    return std::nullopt;
  }
  i += 6;
  DigestCredentials c;
  std::set<std::string> seen;
  for (;;) {
    skip_space(header, i);
    std::size_t start = i;
    while (i < header.size() && is_token_char(header[i])) ++i;
    const std::string name = lower(header.substr(start, i - start));
    skip_space(header, i);
    if (name.empty() || i == header.size() || header[i] != '=') return std::nullopt;
    ++i;
    skip_space(header, i);
    auto value = read_value(header, i);
    if (!value || !seen.insert(name).second) return std::nullopt;
    if (std::string* f = field(c, name)) *f = std::move(*value);
    skip_space(header, i);
    if (i == header.size()) break;
    if (header[i] != ',') return std::nullopt;
    ++i;
  }
  return c;
}

std::string digest_response(std::string_view ha1, std::string_view method, const DigestCredentials& c) {
  std::string a2(method);
  a2.append(":").append(c.uri);
  std::string kd(ha1);
  kd.append(":").append(c.nonce).append(":").append(c.nc).append(":").append(c.cnonce).append(":");
  kd.append(c.qop).append(":").append(store::md5_hex(a2));
  return store::md5_hex(kd);
}

bool equal_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace callbackd::registrar
