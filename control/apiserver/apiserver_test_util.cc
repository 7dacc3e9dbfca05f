#include "control/apiserver/apiserver_test_util.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_split.h"
#include "control/controllers/allocators/allocation_store.h"
#include "control/store/sqlite_store.h"

namespace sluice::apiserver {

using json = nlohmann::json;

TempDir::TempDir() {
  char tmpl[] = "/tmp/apiserver_test.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) ADD_FAILURE() << "mkdtemp: " << strerror(errno);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::filesystem::remove_all(path_);
}

void ApiServerTest::SetUp() {
  char tmpl[] = "/tmp/apiserver_test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  dir_ = tmpl;
  auto store = store::SqliteStore::Open(dir_ + "/state.db");
  ASSERT_TRUE(store.ok()) << store.status();
  // As ApiServer keeps it: Services' allocations recorded under their own keys.
  store_ = std::make_unique<controllers::AllocationRecordingStore>(*std::move(store));
  registry_ = DefaultRegistry();
  router_ = std::make_unique<Router>(store_.get(), &registry_);
  ASSERT_TRUE(router_->resources().EnsureSystemNamespaces().ok());
}

void ApiServerTest::TearDown() {
  router_.reset();
  store_.reset();
  std::filesystem::remove_all(dir_);
}

Reply ApiServerTest::Call(const std::string& method, const std::string& target,
                          const std::string& body, const std::string& content_type,
                          const std::string& accept) {
  HttpRequest request{.method = method,
                      .content_type = content_type,
                      .accept = accept,
                      .host = "127.0.0.1:6443",
                      .body = body};
  size_t q = target.find('?');
  request.path = PercentDecode(target.substr(0, q));
  if (q != std::string::npos) request.query = ParseQuery(target.substr(q + 1));
  HttpResponse response = router_->Handle(request);
  Reply reply{.status = response.status, .raw = response.body};
  reply.body = json::parse(response.body, nullptr, false);
  return reply;
}

namespace {

class CollectingWriter : public ChunkWriter {
 public:
  explicit CollectingWriter(size_t want) : want_(want) {}
  bool Write(absl::string_view data) override {
    for (absl::string_view line : absl::StrSplit(data, '\n', absl::SkipEmpty()))
      lines.push_back(json::parse(line, nullptr, false));
    return true;
  }
  bool PeerClosed() override { return lines.size() >= want_; }
  std::vector<json> lines;

 private:
  size_t want_;
};

}  // namespace

std::vector<json> ApiServerTest::Watch(const std::string& target, size_t count,
                                       const std::string& accept) {
  HttpRequest request{.method = "GET", .accept = accept};
  size_t q = target.find('?');
  request.path = target.substr(0, q);
  request.query = ParseQuery(target.substr(q + 1));
  HttpResponse response = router_->Handle(request);
  if (!response.stream) {
    ADD_FAILURE() << "not a stream: " << response.status << " " << response.body;
    return {};
  }
  CollectingWriter writer(count);
  response.stream(writer);
  return writer.lines;
}

json ServiceJson(const std::string& name, int port) {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", name}, {"labels", {{"app", name}}}}},
          {"spec", {{"selector", {{"app", name}}}, {"ports", {{{"port", port}}}}}}};
}

std::vector<std::string> ColumnNames(const Reply& table) {
  std::vector<std::string> names;
  for (const json& c : table.body["columnDefinitions"]) names.push_back(c["name"]);
  return names;
}

std::vector<std::string> CauseFields(const Reply& status) {
  std::vector<std::string> fields;
  for (const json& c : status.body["details"]["causes"]) fields.push_back(c["field"]);
  return fields;
}

json PodJson(const std::string& name, const std::string& image) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"labels", {{"app", name}}}}},
          {"spec", {{"containers", {{{"name", "main"}, {"image", image}}}}}}};
}

json DeploymentJson(const std::string& name, const std::string& kind) {
  return {{"apiVersion", "apps/v1"},
          {"kind", kind},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec", {{"containers", {{{"name", "web"}, {"image", "nginx:1.27"}}}}}}}}}}};
}

}  // namespace sluice::apiserver
