#!/usr/bin/python3
"""A Prometheus configuration for services running on this machine, made from what the Helm
chart tells a cluster's Prometheus: the ServiceMonitor's endpoints (path, scheme, interval,
timeout), the job name each Service carries (its jobLabel label) and the PrometheusRule's rules.

  monitor_config.py RENDER.yaml OUT_DIR SERVICE=HOST:PORT...

RENDER.yaml: `helm template` of helm/qms with metrics.serviceMonitor and metrics.prometheusRule
enabled; SERVICE=HOST:PORT: where each service's metrics listen here. Writes OUT_DIR/prometheus.yml
and OUT_DIR/qms-rules.yml.
"""
import sys

import yaml


def main():
    render, out, *targets = sys.argv[1:]
    where = dict(t.split("=", 1) for t in targets)
    objects = [d for d in yaml.safe_load_all(open(render)) if d]
    monitors = [o for o in objects if o["kind"] == "ServiceMonitor"]
    rules = [o for o in objects if o["kind"] == "PrometheusRule"]
    if len(monitors) != 1 or len(rules) != 1:
        sys.exit("render the chart with metrics.serviceMonitor and metrics.prometheusRule enabled")
    monitor = monitors[0]["spec"]
    with open(f"{out}/qms-rules.yml", "w") as f:
        yaml.safe_dump(rules[0]["spec"], f, sort_keys=False)

    scrape_configs = []
    for service in (o for o in objects if o["kind"] == "Service"):
        labels = service["metadata"]["labels"]
        if not all(labels.get(k) == v for k, v in monitor["selector"]["matchLabels"].items()):
            continue
        component = labels["app.kubernetes.io/component"]
        if component not in where:
            sys.exit(f"no local address for {component} (give {component}=HOST:PORT)")
        ports = {p["name"] for p in service["spec"]["ports"]}
        for endpoint in monitor["endpoints"]:
            if endpoint["port"] not in ports:
                sys.exit(f"Service {service['metadata']['name']} has no port {endpoint['port']}")
            scrape_configs.append({
                "job_name": labels[monitor["jobLabel"]],
                "metrics_path": endpoint.get("path", "/metrics"),
                "scheme": endpoint.get("scheme", "http"),
                "scrape_interval": endpoint["interval"],
                "scrape_timeout": endpoint["scrapeTimeout"],
                "static_configs": [{"targets": [where[component]],
                                    "labels": {"service": service["metadata"]["name"]}}],
            })
    if not scrape_configs:
        sys.exit("the ServiceMonitor selects no Service")
    interval = scrape_configs[0]["scrape_interval"]
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [f"{out}/qms-rules.yml"],
        "scrape_configs": scrape_configs,
    }
    with open(f"{out}/prometheus.yml", "w") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    print(f"{out}/prometheus.yml: jobs {', '.join(c['job_name'] for c in scrape_configs)}")


if __name__ == "__main__":
    main()
