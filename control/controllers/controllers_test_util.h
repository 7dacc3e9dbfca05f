// A SQLite store in a temporary directory with the API server's handler on
// it, for the allocator and controller tests: objects are created as kubectl
// would (through the handler) or written straight into the store (Pods,
// Nodes, which the API does not serve yet).
#ifndef SLUICE_CONTROL_CONTROLLERS_CONTROLLERS_TEST_UTIL_H_
#define SLUICE_CONTROL_CONTROLLERS_CONTROLLERS_TEST_UTIL_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "control/apiserver/resource_handler.h"
#include "control/apiserver/resource_type.h"
#include "control/store/store.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace sluice::controllers {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Closes and reopens the store (a server restart).
  void Reopen();

  apiserver::ResourcePath Services(const std::string& name = "", const std::string& ns = "default");
  absl::StatusOr<nlohmann::json> CreateService(const nlohmann::json& service,
                                               const std::string& ns = "default");
  absl::StatusOr<nlohmann::json> MergePatchService(const std::string& name,
                                                   const nlohmann::json& patch);
  absl::Status DeleteService(const std::string& name, const std::string& ns = "default");
  nlohmann::json GetService(const std::string& name, const std::string& ns = "default");
  // Writes (creates or overwrites) an object at `key` as the API server stores it.
  void Put(const std::string& key, const nlohmann::json& object);
  void Remove(const std::string& key);

  std::string dir_;
  store::StorePtr store_;
  apiserver::ResourceRegistry registry_;
  std::unique_ptr<apiserver::ResourceHandler> handler_;
};

// A Service of `type` with one TCP port 80 and selector app=<name>.
nlohmann::json ServiceJson(const std::string& name, const std::string& type = "ClusterIP");
// A Deployment's or ReplicaSet's spec: `replicas` Pods of one container
// "c" running `image`, labelled and selected by app=<app>.
nlohmann::json WorkloadSpec(const std::string& app, int replicas,
                            const std::string& image = "nginx");
// The metav1.Status message of an API error ("" for OK).
std::string ErrorMessage(const absl::Status& status);

// Polls `condition` every 10 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout = absl::Seconds(10));

}  // namespace sluice::controllers

#endif  // SLUICE_CONTROL_CONTROLLERS_CONTROLLERS_TEST_UTIL_H_
