using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "app", worker = .appWorker)],
  sockets = [(name = "http", address = "127.0.0.1:*", http = (), service = "app")],
);

const appWorker :Workerd.Worker = (
  modules = [(name = "worker", esModule = embed "../.tmp/worker.js")],
  compatibilityDate = "2026-11-01",
);
