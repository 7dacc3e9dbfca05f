// A Router over a SQLite store in a temporary directory, and helpers to call
// it as kubectl would, without a socket.
#ifndef SLUICE_CONTROL_APISERVER_APISERVER_TEST_UTIL_H_
#define SLUICE_CONTROL_APISERVER_APISERVER_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "control/apiserver/http_types.h"
#include "control/apiserver/resource_type.h"
#include "control/apiserver/router.h"
#include "control/store/store.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace sluice::apiserver {

struct Reply {
  int status = 0;
  nlohmann::json body;
  std::string raw;
};

inline constexpr char kTableAccept[] =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s."
    "io,application/json";

// A fresh directory under /tmp, removed with its contents at the end of the
// test, passed or failed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& content_type = "application/json",
             const std::string& accept = "application/json");
  Reply Get(const std::string& target) { return Call("GET", target); }
  Reply Post(const std::string& target, const nlohmann::json& body) {
    return Call("POST", target, body.dump());
  }
  // Runs a watch request until `count` lines arrived or `timeout_seconds` passed.
  std::vector<nlohmann::json> Watch(const std::string& target, size_t count,
                                    const std::string& accept = "application/json");

  std::string dir_;
  store::StorePtr store_;
  ResourceRegistry registry_;
  std::unique_ptr<Router> router_;
};

// A Service with one TCP port.
nlohmann::json ServiceJson(const std::string& name, int port = 80);
// The names of a Table's columns, in order.
std::vector<std::string> ColumnNames(const Reply& table);
// The field of each cause of a Status.
std::vector<std::string> CauseFields(const Reply& status);
// A Pod with one container, labelled app=<name>.
nlohmann::json PodJson(const std::string& name, const std::string& image = "busybox:1.36");
// A Deployment (or ReplicaSet) selecting app=<name> with one nginx container.
nlohmann::json DeploymentJson(const std::string& name, const std::string& kind = "Deployment");

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_APISERVER_TEST_UTIL_H_
