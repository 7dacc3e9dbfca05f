#include "control/controllers/controllers_test_util.h"

#include <stdlib.h>

#include <filesystem>

#include "absl/time/clock.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/resources.h"
#include "control/controllers/allocators/allocation_store.h"
#include "control/store/sqlite_store.h"

namespace sluice::controllers {

using json = nlohmann::json;

void StoreTest::SetUp() {
  char tmpl[] = "/tmp/controllers_test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  dir_ = tmpl;
  registry_ = apiserver::DefaultRegistry();
  Reopen();
}

void StoreTest::TearDown() {
  handler_.reset();
  store_.reset();
  std::filesystem::remove_all(dir_);
}

void StoreTest::Reopen() {
  handler_.reset();
  store_.reset();
  auto store = store::SqliteStore::Open(dir_ + "/state.db");
  ASSERT_TRUE(store.ok()) << store.status();
  // As the API server opens it: Services record their allocations.
  store_ = std::make_unique<AllocationRecordingStore>(*std::move(store));
  handler_ = std::make_unique<apiserver::ResourceHandler>(store_.get(), &registry_);
  ASSERT_TRUE(handler_->EnsureSystemNamespaces().ok());
}

apiserver::ResourcePath StoreTest::Services(const std::string& name, const std::string& ns) {
  return {.type = registry_.Find("", "v1", "services"), .ns = ns, .name = name};
}

absl::StatusOr<json> StoreTest::CreateService(const json& service, const std::string& ns) {
  return handler_->Create(Services("", ns), service);
}

absl::StatusOr<json> StoreTest::MergePatchService(const std::string& name, const json& patch) {
  return handler_->Patch(Services(name), patch.dump(), "application/merge-patch+json");
}

absl::Status StoreTest::DeleteService(const std::string& name, const std::string& ns) {
  return handler_->Delete(Services(name, ns)).status();
}

json StoreTest::GetService(const std::string& name, const std::string& ns) {
  auto got = handler_->Get(Services(name, ns));
  return got.ok() ? *got : json();
}

void StoreTest::Put(const std::string& key, const json& object) {
  auto current = store_->Get(key, store::kLatest);
  ASSERT_TRUE(current.ok()) << current.status();
  if (!*current) {
    ASSERT_TRUE(store_->Create(key, object.dump()).ok());
    return;
  }
  auto written = store_->Update(key, object.dump(), (*current)->mod_revision);
  ASSERT_TRUE(written.ok() && written->succeeded) << key;
}

void StoreTest::Remove(const std::string& key) {
  ASSERT_TRUE(store_->Delete(key, store::kUnconditional).ok());
}

json WorkloadSpec(const std::string& app, int replicas, const std::string& image) {
  json containers = json::array({{{"name", "c"}, {"image", image}}});
  return {{"replicas", replicas},
          {"selector", {{"matchLabels", {{"app", app}}}}},
          {"template",
           {{"metadata", {{"labels", {{"app", app}}}}}, {"spec", {{"containers", containers}}}}}};
}

json ServiceJson(const std::string& name, const std::string& type) {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"type", type},
            {"selector", {{"app", name}}},
            {"ports", json::array({{{"port", 80}, {"targetPort", 8080}}})}}}};
}

std::string ErrorMessage(const absl::Status& status) {
  if (status.ok()) return "";
  return apiserver::StatusBody(status).value("message", "");
}

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return condition();
}

}  // namespace sluice::controllers
