// The HTTP request and response the API server's handlers see, independent of
// the transport (plain TCP or TLS), so that handlers are tested without
// a socket.
#ifndef SLUICE_CONTROL_APISERVER_HTTP_TYPES_H_
#define SLUICE_CONTROL_APISERVER_HTTP_TYPES_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace sluice::apiserver {

struct HttpRequest {
  std::string method;                        // "GET", "POST", ...
  std::string path;                          // percent-decoded, without the query
  std::map<std::string, std::string> query;  // percent-decoded; the last value wins
  std::string content_type;
  std::string accept;
  std::string host;           // the Host header: how the client reaches us
  std::string authorization;  // the Authorization header ("Bearer <token>")
  std::string user_agent;     // names the field manager of a write without ?fieldManager
  std::string body;

  std::string Query(const std::string& name, const std::string& def = "") const {
    auto it = query.find(name);
    return it == query.end() ? def : it->second;
  }
};

// Where a streaming response (a watch) writes its chunks.
class ChunkWriter {
 public:
  virtual ~ChunkWriter() = default;
  // False once the client has gone: the producer should return.
  virtual bool Write(absl::string_view data) = 0;
  // True when the client closed its side (checked without blocking), so that an
  // idle watch notices a departed client before its next event.
  virtual bool PeerClosed() = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::string> warnings;  // sent as `Warning: 299 - "..."` headers
  // Set for a streaming response: the server sends the headers with chunked
  // transfer encoding and then calls it; `body` is unused.
  std::function<void(ChunkWriter&)> stream;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Splits "a=1&b=x%2Fy" into decoded pairs ('+' is a space, as in forms).
std::map<std::string, std::string> ParseQuery(absl::string_view query);
std::string PercentDecode(absl::string_view text);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_HTTP_TYPES_H_
