#pragma once
// The files of src/web/ui/, embedded into the binary by CMake (src/web/ui/embed.cmake), so that the UI works
// offline and always matches the server that serves it.
#include <span>
#include <string_view>

namespace callbackd::web {

struct UiAsset {
  std::string_view path;  // "/index.html", "/app.js", ...
  std::string_view body;
};

std::span<const UiAsset> ui_assets();

}  // namespace callbackd::web
