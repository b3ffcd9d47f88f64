// Argon2id through libsodium: memory-hard, and the string carries its own salt and limits, so raising the
// limits later needs no schema change.
#include <sodium.h>

#include <array>
#include <stdexcept>

#include "store/admin_store.hpp"

namespace callbackd::store {
namespace {

void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
}

}  // namespace

std::string hash_admin_password(std::string_view clear) {
  init_sodium();
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str(out.data(), clear.data(), clear.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    throw std::runtime_error("out of memory hashing a password");
  }
  return std::string(out.data());
}

bool verify_admin_password(std::string_view clear, const std::string& stored) {
  init_sodium();
  return crypto_pwhash_str_verify(stored.c_str(), clear.data(), clear.size()) == 0;
}

}  // namespace callbackd::store
