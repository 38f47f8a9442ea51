// Validates every object of a chart render (a JSON array on stdin) against the Kubernetes and
// prometheus-operator schemas of the kubernetes-models packages.
// Usage: node validate_k8s.mjs NODE_MODULES_DIR < objects.json; exit 1 on any invalid object.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.argv[2];
const objects = JSON.parse(fs.readFileSync(0, "utf8"));

function schemaModule(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "monitoring.coreos.com") {
    return path.join(modules, "@kubernetes-models/prometheus-operator", group, version, `${kind}.js`);
  }
  return path.join(modules, "kubernetes-models", group, version, `${kind}.mjs`);
}

let failed = 0;
for (const object of objects) {
  const name = `${object.kind}/${object.metadata?.name}`;
  const file = schemaModule(object.apiVersion, object.kind);
  if (!fs.existsSync(file)) {
    console.error(`${name}: no schema for ${object.apiVersion} ${object.kind}`);
    failed++;
    continue;
  }
  const Model = (await import(pathToFileURL(file).href))[object.kind];
  try {
    new Model(object).validate();
  } catch (error) {
    console.error(`${name}: ${error.message}`);
    failed++;
  }
}
console.log(`${objects.length - failed} of ${objects.length} objects valid`);
process.exit(failed ? 1 : 0);
