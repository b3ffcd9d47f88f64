#include <string>

#include "web/ui_assets.hpp"
#include "web/web_routes.hpp"

namespace callbackd::web {
namespace {

std::string content_type(std::string_view path) {
  const auto dot = path.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : path.substr(dot);
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  return "application/octet-stream";
}

// Everything the page loads comes from us; no framing (clickjacking), no sniffing.
void secure_headers(httplib::Response& res) {
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; media-src 'self' blob:; img-src 'self' data:; frame-ancestors 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-cache");
}

}  // namespace

void add_ui_routes(httplib::Server& server) {
  for (const UiAsset& asset : ui_assets()) {
    const std::string type = content_type(asset.path);
    auto handler = [asset, type](const httplib::Request&, httplib::Response& res) {
      secure_headers(res);
      res.set_content(asset.body.data(), asset.body.size(), type);
    };
    server.Get(std::string(asset.path), handler);
    if (asset.path == "/index.html") server.Get("/", handler);
  }
}

}  // namespace callbackd::web
