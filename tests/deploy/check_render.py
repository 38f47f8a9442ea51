#!/usr/bin/python3
"""What a reviewer checks by hand in a render of helm/qms, asserted.

  check_render.py check RENDER.yaml --image-prefix P --tag T [--forbid TEXT]...
      probes, resources, non-root read-only containers, no Secret values, ports that match,
      selectors that select, volumes that exist, images as `scripts/qms images` tags them.
  check_render.py run RENDER.yaml --build BUILD --work DIR [--rootfs DIR]
      runs every Deployment's containers for real: the init container's args (migrations), then
      the service's args, rewritten only where the cluster differs from loopback (addresses,
      the test database; mounted files are placed where the pod has them), and asks the health
      port for SERVING. With --rootfs, each from its unpacked image (chroot, uid 65532).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import yaml

failures = []


def fail(message):
    failures.append(message)


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def of_kind(objects, kind):
    return [o for o in objects if o["kind"] == kind]


def selects(selector, labels):
    return all(labels.get(k) == v for k, v in (selector or {}).items())


def pod_of(deployment):
    return deployment["spec"]["template"]


def container_ports(pod):
    ports = {}
    for c in pod["spec"]["containers"]:
        for p in c.get("ports", []):
            ports[p["name"]] = p["containerPort"]
    return ports


def port_known(port, ports):
    return port in ports or port in ports.values()


def check(objects, image_prefix, tag, forbidden):
    deployments = of_kind(objects, "Deployment")
    if not deployments:
        fail("no Deployment rendered")
    if of_kind(objects, "Secret"):
        fail("the chart renders a Secret: keys must come from existing Secrets")
    text = yaml.safe_dump_all(objects)
    for value in forbidden:
        if value and value in text:
            fail(f"a secret value appears in the render: {value[:4]}...")

    def pods_selected_by(selector):
        return [d for d in deployments if selects(selector, pod_of(d)["metadata"]["labels"])]

    for d in deployments:
        name = d["metadata"]["name"]
        pod = pod_of(d)
        spec = pod["spec"]
        component = pod["metadata"]["labels"]["app.kubernetes.io/component"]
        if spec.get("automountServiceAccountToken") is not False:
            fail(f"{name}: mounts a service account token it never uses")
        pod_sc = spec.get("securityContext", {})
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        if not selects(d["spec"]["selector"]["matchLabels"], pod["metadata"]["labels"]):
            fail(f"{name}: its selector does not select its own pods")
        for kind, containers in (("container", spec["containers"]),
                                 ("init container", spec.get("initContainers", []))):
            for c in containers:
                where = f"{name} {kind} {c['name']}"
                sc = c.get("securityContext", {})
                if not (sc.get("runAsNonRoot") or pod_sc.get("runAsNonRoot")):
                    fail(f"{where}: may run as root")
                if (sc.get("runAsUser", pod_sc.get("runAsUser", 0)) or 0) == 0:
                    fail(f"{where}: no non-root uid")
                if sc.get("readOnlyRootFilesystem") is not True:
                    fail(f"{where}: writable root filesystem")
                if sc.get("allowPrivilegeEscalation") is not False:
                    fail(f"{where}: privilege escalation allowed")
                if "ALL" not in sc.get("capabilities", {}).get("drop", []):
                    fail(f"{where}: capabilities not dropped")
                res = c.get("resources", {})
                for need in (("requests", "cpu"), ("requests", "memory"), ("limits", "memory")):
                    if need[1] not in res.get(need[0], {}):
                        fail(f"{where}: no {need[0]}.{need[1]}")
                expected = f"{image_prefix}qms/{component}:{tag}"
                if c["image"] != expected:
                    fail(f"{where}: image {c['image']}, `scripts/qms images` makes {expected}")
                for m in c.get("volumeMounts", []):
                    if m["name"] not in volumes:
                        fail(f"{where}: mounts missing volume {m['name']}")
                for arg in c.get("args", []):
                    m = re.match(r"--([a-z_]*(password|secret|token|key)[a-z_]*)=(.*)", arg)
                    if m and not m.group(3).startswith("/var/run/qms/"):
                        fail(f"{where}: {m.group(1)} is given inline, not as a mounted file")
                if c.get("env"):
                    fail(f"{where}: configuration through env; the chart passes flags and files")
        ports = container_ports(pod)
        for c in spec["containers"]:
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                p = c.get(probe)
                if not p:
                    fail(f"{name} {c['name']}: no {probe}")
                elif "grpc" not in p:
                    fail(f"{name} {c['name']}: {probe} is not a gRPC health probe")
                elif not port_known(p["grpc"]["port"], ports):
                    fail(f"{name} {c['name']}: {probe} port {p['grpc']['port']} is not a container port")
        for v in volumes.values():
            if "secret" in v and not v["secret"].get("secretName"):
                fail(f"{name}: secret volume {v['name']} names no Secret")

    for s in of_kind(objects, "Service"):
        name = s["metadata"]["name"]
        pods = pods_selected_by(s["spec"]["selector"])
        if len(pods) != 1:
            fail(f"Service {name} selects {len(pods)} Deployments")
            continue
        ports = container_ports(pod_of(pods[0]))
        for p in s["spec"]["ports"]:
            if not port_known(p.get("targetPort", p["port"]), ports):
                fail(f"Service {name} port {p['name']}: no container port {p.get('targetPort')}")

    for kind in ("PodDisruptionBudget", "NetworkPolicy"):
        for o in of_kind(objects, kind):
            selector = (o["spec"].get("selector") or o["spec"].get("podSelector"))["matchLabels"]
            pods = pods_selected_by(selector)
            if len(pods) != 1:
                fail(f"{kind} {o['metadata']['name']} selects {len(pods)} Deployments")
                continue
            if kind == "NetworkPolicy":
                ports = container_ports(pod_of(pods[0]))
                for rule in o["spec"].get("ingress", []):
                    for p in rule.get("ports", []):
                        if not port_known(p["port"], ports):
                            fail(f"NetworkPolicy {o['metadata']['name']}: no port {p['port']}")
                    for peer in rule.get("from", []):
                        if "podSelector" in peer and "namespaceSelector" not in peer:
                            if not pods_selected_by(peer["podSelector"]["matchLabels"]):
                                fail(f"NetworkPolicy {o['metadata']['name']}: admits no pod")

    for h in of_kind(objects, "HorizontalPodAutoscaler"):
        target = h["spec"]["scaleTargetRef"]["name"]
        if target not in [d["metadata"]["name"] for d in deployments]:
            fail(f"HPA {h['metadata']['name']} scales missing {target}")

    services = of_kind(objects, "Service")
    for m in of_kind(objects, "ServiceMonitor"):
        selected = [s for s in services
                    if selects(m["spec"]["selector"]["matchLabels"], s["metadata"]["labels"])]
        if len(selected) != len(services):
            fail(f"ServiceMonitor selects {len(selected)} of {len(services)} Services")
        for s in selected:
            if not s["metadata"]["labels"].get(m["spec"]["jobLabel"], "").startswith("qms-"):
                fail(f"Service {s['metadata']['name']}: no job label qms-<service>")
            for e in m["spec"]["endpoints"]:
                if e["port"] not in [p["name"] for p in s["spec"]["ports"]]:
                    fail(f"Service {s['metadata']['name']}: no port {e['port']} to scrape")

    for cm in of_kind(objects, "ConfigMap"):
        for key, value in cm.get("data", {}).items():
            if key.endswith(".json"):
                try:
                    json.loads(value)
                except ValueError as e:
                    fail(f"ConfigMap {cm['metadata']['name']} {key}: {e}")
    return len(deployments)


class Host:
    """Where a service runs in `run`: the build tree's binary with the pod's files under `work`,
    or (rootfs) the binary of the service's unpacked image, chrooted as the image's user, with
    the pod's files at the very paths the pod mounts them."""

    def __init__(self, build, work, rootfs=None):
        self.build, self.work, self.rootfs = build, work, rootfs

    def command(self, name):
        if self.rootfs:
            return ["chroot", "--userspec=65532:65532", f"{self.rootfs}/rootfs-{name}",
                    f"/app/{name}"]
        return [f"{self.build}/services/{name}/{name}"]

    def place(self, name, path, content):
        """Writes a file the pod would see at `path`; returns the path to pass to the binary."""
        local = (f"{self.rootfs}/rootfs-{name}{path}" if self.rootfs
                 else f"{self.work}/{name}/{path.lstrip('/')}")
        os.makedirs(os.path.dirname(local), exist_ok=True)
        with open(local, "w") as f:
            f.write(content)
        os.chmod(local, 0o644)
        return path if self.rootfs else local

    def ready_file(self, name):
        """(flag value, path here) of the ready file."""
        if self.rootfs:
            return "/tmp/ready", f"{self.rootfs}/rootfs-{name}/tmp/ready"
        path = f"{self.work}/{name}.ready"
        return path, path


def run(objects, host):
    """Starts what each Deployment starts, from the rendered args, against the test database."""
    port = os.environ["QMS_TEST_DB_PORT"]
    admin = ["mariadb", "--no-defaults", "-h127.0.0.1", f"-P{port}",
             f"-u{os.environ['QMS_TEST_DB_ADMIN_USER']}",
             f"-p{os.environ['QMS_TEST_DB_ADMIN_PASSWORD']}"]
    config = {}
    for cm in of_kind(objects, "ConfigMap"):
        if cm["metadata"]["name"].endswith("-config"):
            config = cm["data"]
    content_of_flag = {"db_password_file": "pw",
                       "jwt_hs256_secret_file": "chart-test-secret-chart-test-secret-0123"}
    suffix = f"chart_{os.getpid()}"
    names = [pod_of(d)["spec"]["containers"][0]["name"] for d in of_kind(objects, "Deployment")]
    processes = []
    try:
        for d in of_kind(objects, "Deployment"):
            spec = pod_of(d)["spec"]
            main = spec["containers"][0]
            name = main["name"]
            database = f"{suffix}_{name}"
            subprocess.run(admin + ["-e", f"CREATE DATABASE {database}; CREATE USER '{database}'@'127.0.0.1' IDENTIFIED BY 'pw'; GRANT ALL ON {database}.* TO '{database}'@'127.0.0.1';"], check=True)

            def rewrite(args):
                out = []
                for a in args:
                    flag, has_value, value = a[2:].partition("=")
                    if not has_value:
                        out.append(a)
                        continue
                    if flag in ("listen", "metrics_listen", "health_listen"):
                        value = "127.0.0.1:0"
                    elif flag == "db_host":
                        value = "127.0.0.1"
                    elif flag == "db_port":
                        value = port
                    elif flag in ("db_name", "db_user"):
                        value = database
                    elif value.startswith("/etc/qms/"):
                        value = ",".join(host.place(name, v, config[v[len("/etc/qms/"):]])
                                         for v in value.split(","))
                    elif value.startswith("/var/run/qms/"):
                        value = host.place(name, value, content_of_flag.get(flag, "not-a-token"))
                    out.append(f"--{flag}={value}")
                return out

            for init in spec.get("initContainers", []):
                r = subprocess.run(host.command(name) + rewrite(init["args"]), capture_output=True,
                                   text=True, timeout=60)
                if r.returncode != 0:
                    fail(f"{name} init container {init['name']} exited {r.returncode}: {r.stderr[-400:]}")
            ready_flag, ready = host.ready_file(name)
            log = open(f"{host.work}/{name}.log", "w")
            p = subprocess.Popen(host.command(name) + rewrite(main["args"]) +
                                 [f"--ready_file={ready_flag}"],
                                 stdout=log, stderr=subprocess.STDOUT)
            processes.append(p)
            for _ in range(200):
                if os.path.exists(ready) or p.poll() is not None:
                    break
                time.sleep(0.05)
            if not os.path.exists(ready):
                fail(f"{name} did not start from its rendered args: {open(log.name).read()[-600:]}")
                continue
            health = dict(l.split("=", 1) for l in open(ready).read().split())["health"]
            status = ""
            for _ in range(100):
                status = subprocess.run([f"{host.build}/tests/health_probe", health],
                                        capture_output=True, text=True).stdout.strip()
                if status == "SERVING":
                    break
                time.sleep(0.1)
            if status != "SERVING":
                fail(f"{name}: health port says {status!r}")
            else:
                where = "its image" if host.rootfs else "the build"
                print(f"{name}: started from {where} with the rendered args, SERVING on its health port")
    finally:
        for p in processes:
            p.kill()
        for name in names:
            database = f"{suffix}_{name}"
            subprocess.run(admin + ["-e", f"DROP DATABASE IF EXISTS {database}; DROP USER IF EXISTS '{database}'@'127.0.0.1';"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["check", "run"])
    parser.add_argument("render")
    parser.add_argument("--image-prefix", default="")
    parser.add_argument("--tag", default="")
    parser.add_argument("--forbid", action="append", default=[])
    parser.add_argument("--build")
    parser.add_argument("--work")
    parser.add_argument("--rootfs", help="run each service from DIR/rootfs-<service> (chroot)")
    args = parser.parse_args()
    objects = load(args.render)
    if args.mode == "check":
        count = check(objects, args.image_prefix, args.tag, args.forbid)
        summary = f"{len(objects)} objects, {count} Deployments"
    else:
        run(objects, Host(args.build, args.work, args.rootfs))
        summary = "every Deployment started"
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    if failures:
        sys.exit(1)
    print(f"{args.render}: {summary}: all good")


if __name__ == "__main__":
    main()
