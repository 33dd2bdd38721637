// Generated from manifest.schema.json by scripts/generate.mjs (Ajv standalone code): do not edit.
"use strict";
module.exports = validate10;
module.exports.default = validate10;
const schema11 = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://kiln.dev/schema/manifest-v2.json",
  title: "Kiln extension manifest",
  additionalProperties: false,
  type: "object",
  required: ["manifestVersion", "id", "name", "version", "permissions", "jobs", "hooks", "module", "generator"],
  properties: {
    manifestVersion: { const: 2, type: "number" },
    id: { pattern: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", maxLength: 64, type: "string" },
    name: { minLength: 1, maxLength: 100, type: "string" },
    version: {
      pattern:
        "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$",
      type: "string",
    },
    description: { maxLength: 1000, type: "string" },
    permissions: {
      uniqueItems: true,
      type: "array",
      items: { pattern: "^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+$", type: "string" },
    },
    allowedHosts: {
      uniqueItems: true,
      type: "array",
      items: { pattern: "^[a-z0-9.-]+(:[0-9]{1,5})?$", maxLength: 260, type: "string" },
    },
    limits: {
      type: "object",
      additionalProperties: false,
      properties: {
        concurrentJobs: {
          type: "integer",
          exclusiveMinimum: 0,
          minimum: 1,
          maximum: 64,
          description: "Jobs of this extension running at once; more wait in the queue.",
        },
        memoryMiB: {
          type: "number",
          exclusiveMinimum: 0,
          maximum: 4096,
          description: "QuickJS heap per instance, in MiB; past it allocations throw `out of memory`.",
        },
        jobTimeoutMs: {
          type: "integer",
          exclusiveMinimum: 0,
          minimum: 1,
          maximum: 604800000,
          description: "Wall-clock time of one run of a job, in ms.",
        },
        startTimeoutMs: {
          type: "integer",
          exclusiveMinimum: 0,
          minimum: 1,
          maximum: 600000,
          description: "Wall-clock time of the top-level code plus `init`, in ms.",
        },
        cleanupTimeoutMs: {
          type: "integer",
          exclusiveMinimum: 0,
          minimum: 1,
          maximum: 600000,
          description: "Wall-clock time of `cleanup`, in ms.",
        },
        instructions: {
          type: "integer",
          exclusiveMinimum: 0,
          minimum: 1,
          maximum: 9007199254740991,
          description: "Interpreter steps (function calls and loop iterations) of one job run.",
        },
        payloadBytes: {
          type: "integer",
          exclusiveMinimum: 0,
          minimum: 1,
          maximum: 1073741824,
          description: "Bytes of JSON in one host call's payload.",
        },
        valueDepth: {
          type: "integer",
          exclusiveMinimum: 0,
          minimum: 1,
          maximum: 4096,
          description: "Nesting depth of any value crossing the sandbox wall.",
        },
        resultBytes: {
          type: "integer",
          exclusiveMinimum: 0,
          minimum: 1,
          maximum: 1073741824,
          description: "Bytes of JSON in a job's result.",
        },
        checkpointBytes: {
          type: "integer",
          exclusiveMinimum: 0,
          minimum: 1,
          maximum: 1073741824,
          description: "Bytes of JSON in one checkpoint's state.",
        },
        checkpointsPerSecond: {
          type: "integer",
          exclusiveMinimum: 0,
          minimum: 1,
          maximum: 100000,
          description: "Checkpoints a job may write per second (burst of the same size).",
        },
        logBytes: {
          type: "integer",
          exclusiveMinimum: 0,
          minimum: 1,
          maximum: 1073741824,
          description: "Bytes of log text per job run (or per `init`/`cleanup`); later lines are dropped.",
        },
      },
    },
    jobs: {
      type: "array",
      items: {
        additionalProperties: false,
        type: "object",
        required: ["name", "export", "input", "output", "state"],
        properties: {
          name: { pattern: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", maxLength: 64, type: "string" },
          export: { pattern: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", maxLength: 80, type: "string" },
          description: { maxLength: 1000, type: "string" },
          input: { type: "object" },
          output: { type: "object" },
          state: { type: "object" },
        },
      },
    },
    hooks: {
      additionalProperties: false,
      type: "object",
      properties: {
        init: { pattern: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", maxLength: 80, type: "string" },
        cleanup: { pattern: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", maxLength: 80, type: "string" },
      },
    },
    module: {
      additionalProperties: false,
      type: "object",
      required: ["file", "sha256", "plugin"],
      properties: {
        file: { pattern: "^[A-Za-z0-9._-]+\\.wasm$", type: "string" },
        sha256: { pattern: "^[0-9a-f]{64}$", type: "string" },
        plugin: { const: "kiln-plugin-v1", type: "string" },
      },
    },
    generator: { minLength: 1, type: "string" },
  },
};
const func2 = Object.prototype.hasOwnProperty;
const func3 = require("ajv/dist/runtime/ucs2length").default;
const pattern0 = new RegExp("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", "u");
const pattern1 = new RegExp(
  "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$",
  "u",
);
const pattern2 = new RegExp("^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+$", "u");
const pattern3 = new RegExp("^[a-z0-9.-]+(:[0-9]{1,5})?$", "u");
const pattern8 = new RegExp("^[A-Za-z0-9._-]+\\.wasm$", "u");
const pattern9 = new RegExp("^[0-9a-f]{64}$", "u");
function validate10(data, { instancePath = "", parentData, parentDataProperty, rootData = data } = {}) {
  /*# sourceURL="https://kiln.dev/schema/manifest-v2.json" */
  let vErrors = null;
  let errors = 0;
  if (data && typeof data == "object" && !Array.isArray(data)) {
    if (data.manifestVersion === undefined) {
      const err0 = {
        instancePath,
        schemaPath: "#/required",
        keyword: "required",
        params: { missingProperty: "manifestVersion" },
        message: "must have required property '" + "manifestVersion" + "'",
      };
      if (vErrors === null) {
        vErrors = [err0];
      } else {
        vErrors.push(err0);
      }
      errors++;
    }
    if (data.id === undefined) {
      const err1 = {
        instancePath,
        schemaPath: "#/required",
        keyword: "required",
        params: { missingProperty: "id" },
        message: "must have required property '" + "id" + "'",
      };
      if (vErrors === null) {
        vErrors = [err1];
      } else {
        vErrors.push(err1);
      }
      errors++;
    }
    if (data.name === undefined) {
      const err2 = {
        instancePath,
        schemaPath: "#/required",
        keyword: "required",
        params: { missingProperty: "name" },
        message: "must have required property '" + "name" + "'",
      };
      if (vErrors === null) {
        vErrors = [err2];
      } else {
        vErrors.push(err2);
      }
      errors++;
    }
    if (data.version === undefined) {
      const err3 = {
        instancePath,
        schemaPath: "#/required",
        keyword: "required",
        params: { missingProperty: "version" },
        message: "must have required property '" + "version" + "'",
      };
      if (vErrors === null) {
        vErrors = [err3];
      } else {
        vErrors.push(err3);
      }
      errors++;
    }
    if (data.permissions === undefined) {
      const err4 = {
        instancePath,
        schemaPath: "#/required",
        keyword: "required",
        params: { missingProperty: "permissions" },
        message: "must have required property '" + "permissions" + "'",
      };
      if (vErrors === null) {
        vErrors = [err4];
      } else {
        vErrors.push(err4);
      }
      errors++;
    }
    if (data.jobs === undefined) {
      const err5 = {
        instancePath,
        schemaPath: "#/required",
        keyword: "required",
        params: { missingProperty: "jobs" },
        message: "must have required property '" + "jobs" + "'",
      };
      if (vErrors === null) {
        vErrors = [err5];
      } else {
        vErrors.push(err5);
      }
      errors++;
    }
    if (data.hooks === undefined) {
      const err6 = {
        instancePath,
        schemaPath: "#/required",
        keyword: "required",
        params: { missingProperty: "hooks" },
        message: "must have required property '" + "hooks" + "'",
      };
      if (vErrors === null) {
        vErrors = [err6];
      } else {
        vErrors.push(err6);
      }
      errors++;
    }
    if (data.module === undefined) {
      const err7 = {
        instancePath,
        schemaPath: "#/required",
        keyword: "required",
        params: { missingProperty: "module" },
        message: "must have required property '" + "module" + "'",
      };
      if (vErrors === null) {
        vErrors = [err7];
      } else {
        vErrors.push(err7);
      }
      errors++;
    }
    if (data.generator === undefined) {
      const err8 = {
        instancePath,
        schemaPath: "#/required",
        keyword: "required",
        params: { missingProperty: "generator" },
        message: "must have required property '" + "generator" + "'",
      };
      if (vErrors === null) {
        vErrors = [err8];
      } else {
        vErrors.push(err8);
      }
      errors++;
    }
    for (const key0 in data) {
      if (!func2.call(schema11.properties, key0)) {
        const err9 = {
          instancePath,
          schemaPath: "#/additionalProperties",
          keyword: "additionalProperties",
          params: { additionalProperty: key0 },
          message: "must NOT have additional properties",
        };
        if (vErrors === null) {
          vErrors = [err9];
        } else {
          vErrors.push(err9);
        }
        errors++;
      }
    }
    if (data.manifestVersion !== undefined) {
      let data0 = data.manifestVersion;
      if (!(typeof data0 == "number" && isFinite(data0))) {
        const err10 = {
          instancePath: instancePath + "/manifestVersion",
          schemaPath: "#/properties/manifestVersion/type",
          keyword: "type",
          params: { type: "number" },
          message: "must be number",
        };
        if (vErrors === null) {
          vErrors = [err10];
        } else {
          vErrors.push(err10);
        }
        errors++;
      }
      if (2 !== data0) {
        const err11 = {
          instancePath: instancePath + "/manifestVersion",
          schemaPath: "#/properties/manifestVersion/const",
          keyword: "const",
          params: { allowedValue: 2 },
          message: "must be equal to constant",
        };
        if (vErrors === null) {
          vErrors = [err11];
        } else {
          vErrors.push(err11);
        }
        errors++;
      }
    }
    if (data.id !== undefined) {
      let data1 = data.id;
      if (typeof data1 === "string") {
        if (func3(data1) > 64) {
          const err12 = {
            instancePath: instancePath + "/id",
            schemaPath: "#/properties/id/maxLength",
            keyword: "maxLength",
            params: { limit: 64 },
            message: "must NOT have more than 64 characters",
          };
          if (vErrors === null) {
            vErrors = [err12];
          } else {
            vErrors.push(err12);
          }
          errors++;
        }
        if (!pattern0.test(data1)) {
          const err13 = {
            instancePath: instancePath + "/id",
            schemaPath: "#/properties/id/pattern",
            keyword: "pattern",
            params: { pattern: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$" },
            message: 'must match pattern "' + "^[a-z][a-z0-9]*(-[a-z0-9]+)*$" + '"',
          };
          if (vErrors === null) {
            vErrors = [err13];
          } else {
            vErrors.push(err13);
          }
          errors++;
        }
      } else {
        const err14 = {
          instancePath: instancePath + "/id",
          schemaPath: "#/properties/id/type",
          keyword: "type",
          params: { type: "string" },
          message: "must be string",
        };
        if (vErrors === null) {
          vErrors = [err14];
        } else {
          vErrors.push(err14);
        }
        errors++;
      }
    }
    if (data.name !== undefined) {
      let data2 = data.name;
      if (typeof data2 === "string") {
        if (func3(data2) > 100) {
          const err15 = {
            instancePath: instancePath + "/name",
            schemaPath: "#/properties/name/maxLength",
            keyword: "maxLength",
            params: { limit: 100 },
            message: "must NOT have more than 100 characters",
          };
          if (vErrors === null) {
            vErrors = [err15];
          } else {
            vErrors.push(err15);
          }
          errors++;
        }
        if (func3(data2) < 1) {
          const err16 = {
            instancePath: instancePath + "/name",
            schemaPath: "#/properties/name/minLength",
            keyword: "minLength",
            params: { limit: 1 },
            message: "must NOT have fewer than 1 characters",
          };
          if (vErrors === null) {
            vErrors = [err16];
          } else {
            vErrors.push(err16);
          }
          errors++;
        }
      } else {
        const err17 = {
          instancePath: instancePath + "/name",
          schemaPath: "#/properties/name/type",
          keyword: "type",
          params: { type: "string" },
          message: "must be string",
        };
        if (vErrors === null) {
          vErrors = [err17];
        } else {
          vErrors.push(err17);
        }
        errors++;
      }
    }
    if (data.version !== undefined) {
      let data3 = data.version;
      if (typeof data3 === "string") {
        if (!pattern1.test(data3)) {
          const err18 = {
            instancePath: instancePath + "/version",
            schemaPath: "#/properties/version/pattern",
            keyword: "pattern",
            params: {
              pattern:
                "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$",
            },
            message:
              'must match pattern "' +
              "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$" +
              '"',
          };
          if (vErrors === null) {
            vErrors = [err18];
          } else {
            vErrors.push(err18);
          }
          errors++;
        }
      } else {
        const err19 = {
          instancePath: instancePath + "/version",
          schemaPath: "#/properties/version/type",
          keyword: "type",
          params: { type: "string" },
          message: "must be string",
        };
        if (vErrors === null) {
          vErrors = [err19];
        } else {
          vErrors.push(err19);
        }
        errors++;
      }
    }
    if (data.description !== undefined) {
      let data4 = data.description;
      if (typeof data4 === "string") {
        if (func3(data4) > 1000) {
          const err20 = {
            instancePath: instancePath + "/description",
            schemaPath: "#/properties/description/maxLength",
            keyword: "maxLength",
            params: { limit: 1000 },
            message: "must NOT have more than 1000 characters",
          };
          if (vErrors === null) {
            vErrors = [err20];
          } else {
            vErrors.push(err20);
          }
          errors++;
        }
      } else {
        const err21 = {
          instancePath: instancePath + "/description",
          schemaPath: "#/properties/description/type",
          keyword: "type",
          params: { type: "string" },
          message: "must be string",
        };
        if (vErrors === null) {
          vErrors = [err21];
        } else {
          vErrors.push(err21);
        }
        errors++;
      }
    }
    if (data.permissions !== undefined) {
      let data5 = data.permissions;
      if (Array.isArray(data5)) {
        const len0 = data5.length;
        for (let i0 = 0; i0 < len0; i0++) {
          let data6 = data5[i0];
          if (typeof data6 === "string") {
            if (!pattern2.test(data6)) {
              const err22 = {
                instancePath: instancePath + "/permissions/" + i0,
                schemaPath: "#/properties/permissions/items/pattern",
                keyword: "pattern",
                params: { pattern: "^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+$" },
                message: 'must match pattern "' + "^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+$" + '"',
              };
              if (vErrors === null) {
                vErrors = [err22];
              } else {
                vErrors.push(err22);
              }
              errors++;
            }
          } else {
            const err23 = {
              instancePath: instancePath + "/permissions/" + i0,
              schemaPath: "#/properties/permissions/items/type",
              keyword: "type",
              params: { type: "string" },
              message: "must be string",
            };
            if (vErrors === null) {
              vErrors = [err23];
            } else {
              vErrors.push(err23);
            }
            errors++;
          }
        }
        let i1 = data5.length;
        let j0;
        if (i1 > 1) {
          const indices0 = {};
          for (; i1--; ) {
            let item0 = data5[i1];
            if (typeof item0 !== "string") {
              continue;
            }
            if (typeof indices0[item0] == "number") {
              j0 = indices0[item0];
              const err24 = {
                instancePath: instancePath + "/permissions",
                schemaPath: "#/properties/permissions/uniqueItems",
                keyword: "uniqueItems",
                params: { i: i1, j: j0 },
                message: "must NOT have duplicate items (items ## " + j0 + " and " + i1 + " are identical)",
              };
              if (vErrors === null) {
                vErrors = [err24];
              } else {
                vErrors.push(err24);
              }
              errors++;
              break;
            }
            indices0[item0] = i1;
          }
        }
      } else {
        const err25 = {
          instancePath: instancePath + "/permissions",
          schemaPath: "#/properties/permissions/type",
          keyword: "type",
          params: { type: "array" },
          message: "must be array",
        };
        if (vErrors === null) {
          vErrors = [err25];
        } else {
          vErrors.push(err25);
        }
        errors++;
      }
    }
    if (data.allowedHosts !== undefined) {
      let data7 = data.allowedHosts;
      if (Array.isArray(data7)) {
        const len1 = data7.length;
        for (let i2 = 0; i2 < len1; i2++) {
          let data8 = data7[i2];
          if (typeof data8 === "string") {
            if (func3(data8) > 260) {
              const err26 = {
                instancePath: instancePath + "/allowedHosts/" + i2,
                schemaPath: "#/properties/allowedHosts/items/maxLength",
                keyword: "maxLength",
                params: { limit: 260 },
                message: "must NOT have more than 260 characters",
              };
              if (vErrors === null) {
                vErrors = [err26];
              } else {
                vErrors.push(err26);
              }
              errors++;
            }
            if (!pattern3.test(data8)) {
              const err27 = {
                instancePath: instancePath + "/allowedHosts/" + i2,
                schemaPath: "#/properties/allowedHosts/items/pattern",
                keyword: "pattern",
                params: { pattern: "^[a-z0-9.-]+(:[0-9]{1,5})?$" },
                message: 'must match pattern "' + "^[a-z0-9.-]+(:[0-9]{1,5})?$" + '"',
              };
              if (vErrors === null) {
                vErrors = [err27];
              } else {
                vErrors.push(err27);
              }
              errors++;
            }
          } else {
            const err28 = {
              instancePath: instancePath + "/allowedHosts/" + i2,
              schemaPath: "#/properties/allowedHosts/items/type",
              keyword: "type",
              params: { type: "string" },
              message: "must be string",
            };
            if (vErrors === null) {
              vErrors = [err28];
            } else {
              vErrors.push(err28);
            }
            errors++;
          }
        }
        let i3 = data7.length;
        let j1;
        if (i3 > 1) {
          const indices1 = {};
          for (; i3--; ) {
            let item1 = data7[i3];
            if (typeof item1 !== "string") {
              continue;
            }
            if (typeof indices1[item1] == "number") {
              j1 = indices1[item1];
              const err29 = {
                instancePath: instancePath + "/allowedHosts",
                schemaPath: "#/properties/allowedHosts/uniqueItems",
                keyword: "uniqueItems",
                params: { i: i3, j: j1 },
                message: "must NOT have duplicate items (items ## " + j1 + " and " + i3 + " are identical)",
              };
              if (vErrors === null) {
                vErrors = [err29];
              } else {
                vErrors.push(err29);
              }
              errors++;
              break;
            }
            indices1[item1] = i3;
          }
        }
      } else {
        const err30 = {
          instancePath: instancePath + "/allowedHosts",
          schemaPath: "#/properties/allowedHosts/type",
          keyword: "type",
          params: { type: "array" },
          message: "must be array",
        };
        if (vErrors === null) {
          vErrors = [err30];
        } else {
          vErrors.push(err30);
        }
        errors++;
      }
    }
    if (data.limits !== undefined) {
      let data9 = data.limits;
      if (data9 && typeof data9 == "object" && !Array.isArray(data9)) {
        for (const key1 in data9) {
          if (!func2.call(schema11.properties.limits.properties, key1)) {
            const err31 = {
              instancePath: instancePath + "/limits",
              schemaPath: "#/properties/limits/additionalProperties",
              keyword: "additionalProperties",
              params: { additionalProperty: key1 },
              message: "must NOT have additional properties",
            };
            if (vErrors === null) {
              vErrors = [err31];
            } else {
              vErrors.push(err31);
            }
            errors++;
          }
        }
        if (data9.concurrentJobs !== undefined) {
          let data10 = data9.concurrentJobs;
          if (!(typeof data10 == "number" && !(data10 % 1) && !isNaN(data10) && isFinite(data10))) {
            const err32 = {
              instancePath: instancePath + "/limits/concurrentJobs",
              schemaPath: "#/properties/limits/properties/concurrentJobs/type",
              keyword: "type",
              params: { type: "integer" },
              message: "must be integer",
            };
            if (vErrors === null) {
              vErrors = [err32];
            } else {
              vErrors.push(err32);
            }
            errors++;
          }
          if (typeof data10 == "number" && isFinite(data10)) {
            if (data10 > 64 || isNaN(data10)) {
              const err33 = {
                instancePath: instancePath + "/limits/concurrentJobs",
                schemaPath: "#/properties/limits/properties/concurrentJobs/maximum",
                keyword: "maximum",
                params: { comparison: "<=", limit: 64 },
                message: "must be <= 64",
              };
              if (vErrors === null) {
                vErrors = [err33];
              } else {
                vErrors.push(err33);
              }
              errors++;
            }
            if (data10 < 1 || isNaN(data10)) {
              const err34 = {
                instancePath: instancePath + "/limits/concurrentJobs",
                schemaPath: "#/properties/limits/properties/concurrentJobs/minimum",
                keyword: "minimum",
                params: { comparison: ">=", limit: 1 },
                message: "must be >= 1",
              };
              if (vErrors === null) {
                vErrors = [err34];
              } else {
                vErrors.push(err34);
              }
              errors++;
            }
            if (data10 <= 0 || isNaN(data10)) {
              const err35 = {
                instancePath: instancePath + "/limits/concurrentJobs",
                schemaPath: "#/properties/limits/properties/concurrentJobs/exclusiveMinimum",
                keyword: "exclusiveMinimum",
                params: { comparison: ">", limit: 0 },
                message: "must be > 0",
              };
              if (vErrors === null) {
                vErrors = [err35];
              } else {
                vErrors.push(err35);
              }
              errors++;
            }
          }
        }
        if (data9.memoryMiB !== undefined) {
          let data11 = data9.memoryMiB;
          if (typeof data11 == "number" && isFinite(data11)) {
            if (data11 > 4096 || isNaN(data11)) {
              const err36 = {
                instancePath: instancePath + "/limits/memoryMiB",
                schemaPath: "#/properties/limits/properties/memoryMiB/maximum",
                keyword: "maximum",
                params: { comparison: "<=", limit: 4096 },
                message: "must be <= 4096",
              };
              if (vErrors === null) {
                vErrors = [err36];
              } else {
                vErrors.push(err36);
              }
              errors++;
            }
            if (data11 <= 0 || isNaN(data11)) {
              const err37 = {
                instancePath: instancePath + "/limits/memoryMiB",
                schemaPath: "#/properties/limits/properties/memoryMiB/exclusiveMinimum",
                keyword: "exclusiveMinimum",
                params: { comparison: ">", limit: 0 },
                message: "must be > 0",
              };
              if (vErrors === null) {
                vErrors = [err37];
              } else {
                vErrors.push(err37);
              }
              errors++;
            }
          } else {
            const err38 = {
              instancePath: instancePath + "/limits/memoryMiB",
              schemaPath: "#/properties/limits/properties/memoryMiB/type",
              keyword: "type",
              params: { type: "number" },
              message: "must be number",
            };
            if (vErrors === null) {
              vErrors = [err38];
            } else {
              vErrors.push(err38);
            }
            errors++;
          }
        }
        if (data9.jobTimeoutMs !== undefined) {
          let data12 = data9.jobTimeoutMs;
          if (!(typeof data12 == "number" && !(data12 % 1) && !isNaN(data12) && isFinite(data12))) {
            const err39 = {
              instancePath: instancePath + "/limits/jobTimeoutMs",
              schemaPath: "#/properties/limits/properties/jobTimeoutMs/type",
              keyword: "type",
              params: { type: "integer" },
              message: "must be integer",
            };
            if (vErrors === null) {
              vErrors = [err39];
            } else {
              vErrors.push(err39);
            }
            errors++;
          }
          if (typeof data12 == "number" && isFinite(data12)) {
            if (data12 > 604800000 || isNaN(data12)) {
              const err40 = {
                instancePath: instancePath + "/limits/jobTimeoutMs",
                schemaPath: "#/properties/limits/properties/jobTimeoutMs/maximum",
                keyword: "maximum",
                params: { comparison: "<=", limit: 604800000 },
                message: "must be <= 604800000",
              };
              if (vErrors === null) {
                vErrors = [err40];
              } else {
                vErrors.push(err40);
              }
              errors++;
            }
            if (data12 < 1 || isNaN(data12)) {
              const err41 = {
                instancePath: instancePath + "/limits/jobTimeoutMs",
                schemaPath: "#/properties/limits/properties/jobTimeoutMs/minimum",
                keyword: "minimum",
                params: { comparison: ">=", limit: 1 },
                message: "must be >= 1",
              };
              if (vErrors === null) {
                vErrors = [err41];
              } else {
                vErrors.push(err41);
              }
              errors++;
            }
            if (data12 <= 0 || isNaN(data12)) {
              const err42 = {
                instancePath: instancePath + "/limits/jobTimeoutMs",
                schemaPath: "#/properties/limits/properties/jobTimeoutMs/exclusiveMinimum",
                keyword: "exclusiveMinimum",
                params: { comparison: ">", limit: 0 },
                message: "must be > 0",
              };
              if (vErrors === null) {
                vErrors = [err42];
              } else {
                vErrors.push(err42);
              }
              errors++;
            }
          }
        }
        if (data9.startTimeoutMs !== undefined) {
          let data13 = data9.startTimeoutMs;
          if (!(typeof data13 == "number" && !(data13 % 1) && !isNaN(data13) && isFinite(data13))) {
            const err43 = {
              instancePath: instancePath + "/limits/startTimeoutMs",
              schemaPath: "#/properties/limits/properties/startTimeoutMs/type",
              keyword: "type",
              params: { type: "integer" },
              message: "must be integer",
            };
            if (vErrors === null) {
              vErrors = [err43];
            } else {
              vErrors.push(err43);
            }
            errors++;
          }
          if (typeof data13 == "number" && isFinite(data13)) {
            if (data13 > 600000 || isNaN(data13)) {
              const err44 = {
                instancePath: instancePath + "/limits/startTimeoutMs",
                schemaPath: "#/properties/limits/properties/startTimeoutMs/maximum",
                keyword: "maximum",
                params: { comparison: "<=", limit: 600000 },
                message: "must be <= 600000",
              };
              if (vErrors === null) {
                vErrors = [err44];
              } else {
                vErrors.push(err44);
              }
              errors++;
            }
            if (data13 < 1 || isNaN(data13)) {
              const err45 = {
                instancePath: instancePath + "/limits/startTimeoutMs",
                schemaPath: "#/properties/limits/properties/startTimeoutMs/minimum",
                keyword: "minimum",
                params: { comparison: ">=", limit: 1 },
                message: "must be >= 1",
              };
              if (vErrors === null) {
                vErrors = [err45];
              } else {
                vErrors.push(err45);
              }
              errors++;
            }
            if (data13 <= 0 || isNaN(data13)) {
              const err46 = {
                instancePath: instancePath + "/limits/startTimeoutMs",
                schemaPath: "#/properties/limits/properties/startTimeoutMs/exclusiveMinimum",
                keyword: "exclusiveMinimum",
                params: { comparison: ">", limit: 0 },
                message: "must be > 0",
              };
              if (vErrors === null) {
                vErrors = [err46];
              } else {
                vErrors.push(err46);
              }
              errors++;
            }
          }
        }
        if (data9.cleanupTimeoutMs !== undefined) {
          let data14 = data9.cleanupTimeoutMs;
          if (!(typeof data14 == "number" && !(data14 % 1) && !isNaN(data14) && isFinite(data14))) {
            const err47 = {
              instancePath: instancePath + "/limits/cleanupTimeoutMs",
              schemaPath: "#/properties/limits/properties/cleanupTimeoutMs/type",
              keyword: "type",
              params: { type: "integer" },
              message: "must be integer",
            };
            if (vErrors === null) {
              vErrors = [err47];
            } else {
              vErrors.push(err47);
            }
            errors++;
          }
          if (typeof data14 == "number" && isFinite(data14)) {
            if (data14 > 600000 || isNaN(data14)) {
              const err48 = {
                instancePath: instancePath + "/limits/cleanupTimeoutMs",
                schemaPath: "#/properties/limits/properties/cleanupTimeoutMs/maximum",
                keyword: "maximum",
                params: { comparison: "<=", limit: 600000 },
                message: "must be <= 600000",
              };
              if (vErrors === null) {
                vErrors = [err48];
              } else {
                vErrors.push(err48);
              }
              errors++;
            }
            if (data14 < 1 || isNaN(data14)) {
              const err49 = {
                instancePath: instancePath + "/limits/cleanupTimeoutMs",
                schemaPath: "#/properties/limits/properties/cleanupTimeoutMs/minimum",
                keyword: "minimum",
                params: { comparison: ">=", limit: 1 },
                message: "must be >= 1",
              };
              if (vErrors === null) {
                vErrors = [err49];
              } else {
                vErrors.push(err49);
              }
              errors++;
            }
            if (data14 <= 0 || isNaN(data14)) {
              const err50 = {
                instancePath: instancePath + "/limits/cleanupTimeoutMs",
                schemaPath: "#/properties/limits/properties/cleanupTimeoutMs/exclusiveMinimum",
                keyword: "exclusiveMinimum",
                params: { comparison: ">", limit: 0 },
                message: "must be > 0",
              };
              if (vErrors === null) {
                vErrors = [err50];
              } else {
                vErrors.push(err50);
              }
              errors++;
            }
          }
        }
        if (data9.instructions !== undefined) {
          let data15 = data9.instructions;
          if (!(typeof data15 == "number" && !(data15 % 1) && !isNaN(data15) && isFinite(data15))) {
            const err51 = {
              instancePath: instancePath + "/limits/instructions",
              schemaPath: "#/properties/limits/properties/instructions/type",
              keyword: "type",
              params: { type: "integer" },
              message: "must be integer",
            };
            if (vErrors === null) {
              vErrors = [err51];
            } else {
              vErrors.push(err51);
            }
            errors++;
          }
          if (typeof data15 == "number" && isFinite(data15)) {
            if (data15 > 9007199254740991 || isNaN(data15)) {
              const err52 = {
                instancePath: instancePath + "/limits/instructions",
                schemaPath: "#/properties/limits/properties/instructions/maximum",
                keyword: "maximum",
                params: { comparison: "<=", limit: 9007199254740991 },
                message: "must be <= 9007199254740991",
              };
              if (vErrors === null) {
                vErrors = [err52];
              } else {
                vErrors.push(err52);
              }
              errors++;
            }
            if (data15 < 1 || isNaN(data15)) {
              const err53 = {
                instancePath: instancePath + "/limits/instructions",
                schemaPath: "#/properties/limits/properties/instructions/minimum",
                keyword: "minimum",
                params: { comparison: ">=", limit: 1 },
                message: "must be >= 1",
              };
              if (vErrors === null) {
                vErrors = [err53];
              } else {
                vErrors.push(err53);
              }
              errors++;
            }
            if (data15 <= 0 || isNaN(data15)) {
              const err54 = {
                instancePath: instancePath + "/limits/instructions",
                schemaPath: "#/properties/limits/properties/instructions/exclusiveMinimum",
                keyword: "exclusiveMinimum",
                params: { comparison: ">", limit: 0 },
                message: "must be > 0",
              };
              if (vErrors === null) {
                vErrors = [err54];
              } else {
                vErrors.push(err54);
              }
              errors++;
            }
          }
        }
        if (data9.payloadBytes !== undefined) {
          let data16 = data9.payloadBytes;
          if (!(typeof data16 == "number" && !(data16 % 1) && !isNaN(data16) && isFinite(data16))) {
            const err55 = {
              instancePath: instancePath + "/limits/payloadBytes",
              schemaPath: "#/properties/limits/properties/payloadBytes/type",
              keyword: "type",
              params: { type: "integer" },
              message: "must be integer",
            };
            if (vErrors === null) {
              vErrors = [err55];
            } else {
              vErrors.push(err55);
            }
            errors++;
          }
          if (typeof data16 == "number" && isFinite(data16)) {
            if (data16 > 1073741824 || isNaN(data16)) {
              const err56 = {
                instancePath: instancePath + "/limits/payloadBytes",
                schemaPath: "#/properties/limits/properties/payloadBytes/maximum",
                keyword: "maximum",
                params: { comparison: "<=", limit: 1073741824 },
                message: "must be <= 1073741824",
              };
              if (vErrors === null) {
                vErrors = [err56];
              } else {
                vErrors.push(err56);
              }
              errors++;
            }
            if (data16 < 1 || isNaN(data16)) {
              const err57 = {
                instancePath: instancePath + "/limits/payloadBytes",
                schemaPath: "#/properties/limits/properties/payloadBytes/minimum",
                keyword: "minimum",
                params: { comparison: ">=", limit: 1 },
                message: "must be >= 1",
              };
              if (vErrors === null) {
                vErrors = [err57];
              } else {
                vErrors.push(err57);
              }
              errors++;
            }
            if (data16 <= 0 || isNaN(data16)) {
              const err58 = {
                instancePath: instancePath + "/limits/payloadBytes",
                schemaPath: "#/properties/limits/properties/payloadBytes/exclusiveMinimum",
                keyword: "exclusiveMinimum",
                params: { comparison: ">", limit: 0 },
                message: "must be > 0",
              };
              if (vErrors === null) {
                vErrors = [err58];
              } else {
                vErrors.push(err58);
              }
              errors++;
            }
          }
        }
        if (data9.valueDepth !== undefined) {
          let data17 = data9.valueDepth;
          if (!(typeof data17 == "number" && !(data17 % 1) && !isNaN(data17) && isFinite(data17))) {
            const err59 = {
              instancePath: instancePath + "/limits/valueDepth",
              schemaPath: "#/properties/limits/properties/valueDepth/type",
              keyword: "type",
              params: { type: "integer" },
              message: "must be integer",
            };
            if (vErrors === null) {
              vErrors = [err59];
            } else {
              vErrors.push(err59);
            }
            errors++;
          }
          if (typeof data17 == "number" && isFinite(data17)) {
            if (data17 > 4096 || isNaN(data17)) {
              const err60 = {
                instancePath: instancePath + "/limits/valueDepth",
                schemaPath: "#/properties/limits/properties/valueDepth/maximum",
                keyword: "maximum",
                params: { comparison: "<=", limit: 4096 },
                message: "must be <= 4096",
              };
              if (vErrors === null) {
                vErrors = [err60];
              } else {
                vErrors.push(err60);
              }
              errors++;
            }
            if (data17 < 1 || isNaN(data17)) {
              const err61 = {
                instancePath: instancePath + "/limits/valueDepth",
                schemaPath: "#/properties/limits/properties/valueDepth/minimum",
                keyword: "minimum",
                params: { comparison: ">=", limit: 1 },
                message: "must be >= 1",
              };
              if (vErrors === null) {
                vErrors = [err61];
              } else {
                vErrors.push(err61);
              }
              errors++;
            }
            if (data17 <= 0 || isNaN(data17)) {
              const err62 = {
                instancePath: instancePath + "/limits/valueDepth",
                schemaPath: "#/properties/limits/properties/valueDepth/exclusiveMinimum",
                keyword: "exclusiveMinimum",
                params: { comparison: ">", limit: 0 },
                message: "must be > 0",
              };
              if (vErrors === null) {
                vErrors = [err62];
              } else {
                vErrors.push(err62);
              }
              errors++;
            }
          }
        }
        if (data9.resultBytes !== undefined) {
          let data18 = data9.resultBytes;
          if (!(typeof data18 == "number" && !(data18 % 1) && !isNaN(data18) && isFinite(data18))) {
            const err63 = {
              instancePath: instancePath + "/limits/resultBytes",
              schemaPath: "#/properties/limits/properties/resultBytes/type",
              keyword: "type",
              params: { type: "integer" },
              message: "must be integer",
            };
            if (vErrors === null) {
              vErrors = [err63];
            } else {
              vErrors.push(err63);
            }
            errors++;
          }
          if (typeof data18 == "number" && isFinite(data18)) {
            if (data18 > 1073741824 || isNaN(data18)) {
              const err64 = {
                instancePath: instancePath + "/limits/resultBytes",
                schemaPath: "#/properties/limits/properties/resultBytes/maximum",
                keyword: "maximum",
                params: { comparison: "<=", limit: 1073741824 },
                message: "must be <= 1073741824",
              };
              if (vErrors === null) {
                vErrors = [err64];
              } else {
                vErrors.push(err64);
              }
              errors++;
            }
            if (data18 < 1 || isNaN(data18)) {
              const err65 = {
                instancePath: instancePath + "/limits/resultBytes",
                schemaPath: "#/properties/limits/properties/resultBytes/minimum",
                keyword: "minimum",
                params: { comparison: ">=", limit: 1 },
                message: "must be >= 1",
              };
              if (vErrors === null) {
                vErrors = [err65];
              } else {
                vErrors.push(err65);
              }
              errors++;
            }
            if (data18 <= 0 || isNaN(data18)) {
              const err66 = {
                instancePath: instancePath + "/limits/resultBytes",
                schemaPath: "#/properties/limits/properties/resultBytes/exclusiveMinimum",
                keyword: "exclusiveMinimum",
                params: { comparison: ">", limit: 0 },
                message: "must be > 0",
              };
              if (vErrors === null) {
                vErrors = [err66];
              } else {
                vErrors.push(err66);
              }
              errors++;
            }
          }
        }
        if (data9.checkpointBytes !== undefined) {
          let data19 = data9.checkpointBytes;
          if (!(typeof data19 == "number" && !(data19 % 1) && !isNaN(data19) && isFinite(data19))) {
            const err67 = {
              instancePath: instancePath + "/limits/checkpointBytes",
              schemaPath: "#/properties/limits/properties/checkpointBytes/type",
              keyword: "type",
              params: { type: "integer" },
              message: "must be integer",
            };
            if (vErrors === null) {
              vErrors = [err67];
            } else {
              vErrors.push(err67);
            }
            errors++;
          }
          if (typeof data19 == "number" && isFinite(data19)) {
            if (data19 > 1073741824 || isNaN(data19)) {
              const err68 = {
                instancePath: instancePath + "/limits/checkpointBytes",
                schemaPath: "#/properties/limits/properties/checkpointBytes/maximum",
                keyword: "maximum",
                params: { comparison: "<=", limit: 1073741824 },
                message: "must be <= 1073741824",
              };
              if (vErrors === null) {
                vErrors = [err68];
              } else {
                vErrors.push(err68);
              }
              errors++;
            }
            if (data19 < 1 || isNaN(data19)) {
              const err69 = {
                instancePath: instancePath + "/limits/checkpointBytes",
                schemaPath: "#/properties/limits/properties/checkpointBytes/minimum",
                keyword: "minimum",
                params: { comparison: ">=", limit: 1 },
                message: "must be >= 1",
              };
              if (vErrors === null) {
                vErrors = [err69];
              } else {
                vErrors.push(err69);
              }
              errors++;
            }
            if (data19 <= 0 || isNaN(data19)) {
              const err70 = {
                instancePath: instancePath + "/limits/checkpointBytes",
                schemaPath: "#/properties/limits/properties/checkpointBytes/exclusiveMinimum",
                keyword: "exclusiveMinimum",
                params: { comparison: ">", limit: 0 },
                message: "must be > 0",
              };
              if (vErrors === null) {
                vErrors = [err70];
              } else {
                vErrors.push(err70);
              }
              errors++;
            }
          }
        }
        if (data9.checkpointsPerSecond !== undefined) {
          let data20 = data9.checkpointsPerSecond;
          if (!(typeof data20 == "number" && !(data20 % 1) && !isNaN(data20) && isFinite(data20))) {
            const err71 = {
              instancePath: instancePath + "/limits/checkpointsPerSecond",
              schemaPath: "#/properties/limits/properties/checkpointsPerSecond/type",
              keyword: "type",
              params: { type: "integer" },
              message: "must be integer",
            };
            if (vErrors === null) {
              vErrors = [err71];
            } else {
              vErrors.push(err71);
            }
            errors++;
          }
          if (typeof data20 == "number" && isFinite(data20)) {
            if (data20 > 100000 || isNaN(data20)) {
              const err72 = {
                instancePath: instancePath + "/limits/checkpointsPerSecond",
                schemaPath: "#/properties/limits/properties/checkpointsPerSecond/maximum",
                keyword: "maximum",
                params: { comparison: "<=", limit: 100000 },
                message: "must be <= 100000",
              };
              if (vErrors === null) {
                vErrors = [err72];
              } else {
                vErrors.push(err72);
              }
              errors++;
            }
            if (data20 < 1 || isNaN(data20)) {
              const err73 = {
                instancePath: instancePath + "/limits/checkpointsPerSecond",
                schemaPath: "#/properties/limits/properties/checkpointsPerSecond/minimum",
                keyword: "minimum",
                params: { comparison: ">=", limit: 1 },
                message: "must be >= 1",
              };
              if (vErrors === null) {
                vErrors = [err73];
              } else {
                vErrors.push(err73);
              }
              errors++;
            }
            if (data20 <= 0 || isNaN(data20)) {
              const err74 = {
                instancePath: instancePath + "/limits/checkpointsPerSecond",
                schemaPath: "#/properties/limits/properties/checkpointsPerSecond/exclusiveMinimum",
                keyword: "exclusiveMinimum",
                params: { comparison: ">", limit: 0 },
                message: "must be > 0",
              };
              if (vErrors === null) {
                vErrors = [err74];
              } else {
                vErrors.push(err74);
              }
              errors++;
            }
          }
        }
        if (data9.logBytes !== undefined) {
          let data21 = data9.logBytes;
          if (!(typeof data21 == "number" && !(data21 % 1) && !isNaN(data21) && isFinite(data21))) {
            const err75 = {
              instancePath: instancePath + "/limits/logBytes",
              schemaPath: "#/properties/limits/properties/logBytes/type",
              keyword: "type",
              params: { type: "integer" },
              message: "must be integer",
            };
            if (vErrors === null) {
              vErrors = [err75];
            } else {
              vErrors.push(err75);
            }
            errors++;
          }
          if (typeof data21 == "number" && isFinite(data21)) {
            if (data21 > 1073741824 || isNaN(data21)) {
              const err76 = {
                instancePath: instancePath + "/limits/logBytes",
                schemaPath: "#/properties/limits/properties/logBytes/maximum",
                keyword: "maximum",
                params: { comparison: "<=", limit: 1073741824 },
                message: "must be <= 1073741824",
              };
              if (vErrors === null) {
                vErrors = [err76];
              } else {
                vErrors.push(err76);
              }
              errors++;
            }
            if (data21 < 1 || isNaN(data21)) {
              const err77 = {
                instancePath: instancePath + "/limits/logBytes",
                schemaPath: "#/properties/limits/properties/logBytes/minimum",
                keyword: "minimum",
                params: { comparison: ">=", limit: 1 },
                message: "must be >= 1",
              };
              if (vErrors === null) {
                vErrors = [err77];
              } else {
                vErrors.push(err77);
              }
              errors++;
            }
            if (data21 <= 0 || isNaN(data21)) {
              const err78 = {
                instancePath: instancePath + "/limits/logBytes",
                schemaPath: "#/properties/limits/properties/logBytes/exclusiveMinimum",
                keyword: "exclusiveMinimum",
                params: { comparison: ">", limit: 0 },
                message: "must be > 0",
              };
              if (vErrors === null) {
                vErrors = [err78];
              } else {
                vErrors.push(err78);
              }
              errors++;
            }
          }
        }
      } else {
        const err79 = {
          instancePath: instancePath + "/limits",
          schemaPath: "#/properties/limits/type",
          keyword: "type",
          params: { type: "object" },
          message: "must be object",
        };
        if (vErrors === null) {
          vErrors = [err79];
        } else {
          vErrors.push(err79);
        }
        errors++;
      }
    }
    if (data.jobs !== undefined) {
      let data22 = data.jobs;
      if (Array.isArray(data22)) {
        const len2 = data22.length;
        for (let i4 = 0; i4 < len2; i4++) {
          let data23 = data22[i4];
          if (data23 && typeof data23 == "object" && !Array.isArray(data23)) {
            if (data23.name === undefined) {
              const err80 = {
                instancePath: instancePath + "/jobs/" + i4,
                schemaPath: "#/properties/jobs/items/required",
                keyword: "required",
                params: { missingProperty: "name" },
                message: "must have required property '" + "name" + "'",
              };
              if (vErrors === null) {
                vErrors = [err80];
              } else {
                vErrors.push(err80);
              }
              errors++;
            }
            if (data23.export === undefined) {
              const err81 = {
                instancePath: instancePath + "/jobs/" + i4,
                schemaPath: "#/properties/jobs/items/required",
                keyword: "required",
                params: { missingProperty: "export" },
                message: "must have required property '" + "export" + "'",
              };
              if (vErrors === null) {
                vErrors = [err81];
              } else {
                vErrors.push(err81);
              }
              errors++;
            }
            if (data23.input === undefined) {
              const err82 = {
                instancePath: instancePath + "/jobs/" + i4,
                schemaPath: "#/properties/jobs/items/required",
                keyword: "required",
                params: { missingProperty: "input" },
                message: "must have required property '" + "input" + "'",
              };
              if (vErrors === null) {
                vErrors = [err82];
              } else {
                vErrors.push(err82);
              }
              errors++;
            }
            if (data23.output === undefined) {
              const err83 = {
                instancePath: instancePath + "/jobs/" + i4,
                schemaPath: "#/properties/jobs/items/required",
                keyword: "required",
                params: { missingProperty: "output" },
                message: "must have required property '" + "output" + "'",
              };
              if (vErrors === null) {
                vErrors = [err83];
              } else {
                vErrors.push(err83);
              }
              errors++;
            }
            if (data23.state === undefined) {
              const err84 = {
                instancePath: instancePath + "/jobs/" + i4,
                schemaPath: "#/properties/jobs/items/required",
                keyword: "required",
                params: { missingProperty: "state" },
                message: "must have required property '" + "state" + "'",
              };
              if (vErrors === null) {
                vErrors = [err84];
              } else {
                vErrors.push(err84);
              }
              errors++;
            }
            for (const key2 in data23) {
              if (
                !(
                  key2 === "name" ||
                  key2 === "export" ||
                  key2 === "description" ||
                  key2 === "input" ||
                  key2 === "output" ||
                  key2 === "state"
                )
              ) {
                const err85 = {
                  instancePath: instancePath + "/jobs/" + i4,
                  schemaPath: "#/properties/jobs/items/additionalProperties",
                  keyword: "additionalProperties",
                  params: { additionalProperty: key2 },
                  message: "must NOT have additional properties",
                };
                if (vErrors === null) {
                  vErrors = [err85];
                } else {
                  vErrors.push(err85);
                }
                errors++;
              }
            }
            if (data23.name !== undefined) {
              let data24 = data23.name;
              if (typeof data24 === "string") {
                if (func3(data24) > 64) {
                  const err86 = {
                    instancePath: instancePath + "/jobs/" + i4 + "/name",
                    schemaPath: "#/properties/jobs/items/properties/name/maxLength",
                    keyword: "maxLength",
                    params: { limit: 64 },
                    message: "must NOT have more than 64 characters",
                  };
                  if (vErrors === null) {
                    vErrors = [err86];
                  } else {
                    vErrors.push(err86);
                  }
                  errors++;
                }
                if (!pattern0.test(data24)) {
                  const err87 = {
                    instancePath: instancePath + "/jobs/" + i4 + "/name",
                    schemaPath: "#/properties/jobs/items/properties/name/pattern",
                    keyword: "pattern",
                    params: { pattern: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$" },
                    message: 'must match pattern "' + "^[a-z][a-z0-9]*(-[a-z0-9]+)*$" + '"',
                  };
                  if (vErrors === null) {
                    vErrors = [err87];
                  } else {
                    vErrors.push(err87);
                  }
                  errors++;
                }
              } else {
                const err88 = {
                  instancePath: instancePath + "/jobs/" + i4 + "/name",
                  schemaPath: "#/properties/jobs/items/properties/name/type",
                  keyword: "type",
                  params: { type: "string" },
                  message: "must be string",
                };
                if (vErrors === null) {
                  vErrors = [err88];
                } else {
                  vErrors.push(err88);
                }
                errors++;
              }
            }
            if (data23.export !== undefined) {
              let data25 = data23.export;
              if (typeof data25 === "string") {
                if (func3(data25) > 80) {
                  const err89 = {
                    instancePath: instancePath + "/jobs/" + i4 + "/export",
                    schemaPath: "#/properties/jobs/items/properties/export/maxLength",
                    keyword: "maxLength",
                    params: { limit: 80 },
                    message: "must NOT have more than 80 characters",
                  };
                  if (vErrors === null) {
                    vErrors = [err89];
                  } else {
                    vErrors.push(err89);
                  }
                  errors++;
                }
                if (!pattern0.test(data25)) {
                  const err90 = {
                    instancePath: instancePath + "/jobs/" + i4 + "/export",
                    schemaPath: "#/properties/jobs/items/properties/export/pattern",
                    keyword: "pattern",
                    params: { pattern: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$" },
                    message: 'must match pattern "' + "^[a-z][a-z0-9]*(-[a-z0-9]+)*$" + '"',
                  };
                  if (vErrors === null) {
                    vErrors = [err90];
                  } else {
                    vErrors.push(err90);
                  }
                  errors++;
                }
              } else {
                const err91 = {
                  instancePath: instancePath + "/jobs/" + i4 + "/export",
                  schemaPath: "#/properties/jobs/items/properties/export/type",
                  keyword: "type",
                  params: { type: "string" },
                  message: "must be string",
                };
                if (vErrors === null) {
                  vErrors = [err91];
                } else {
                  vErrors.push(err91);
                }
                errors++;
              }
            }
            if (data23.description !== undefined) {
              let data26 = data23.description;
              if (typeof data26 === "string") {
                if (func3(data26) > 1000) {
                  const err92 = {
                    instancePath: instancePath + "/jobs/" + i4 + "/description",
                    schemaPath: "#/properties/jobs/items/properties/description/maxLength",
                    keyword: "maxLength",
                    params: { limit: 1000 },
                    message: "must NOT have more than 1000 characters",
                  };
                  if (vErrors === null) {
                    vErrors = [err92];
                  } else {
                    vErrors.push(err92);
                  }
                  errors++;
                }
              } else {
                const err93 = {
                  instancePath: instancePath + "/jobs/" + i4 + "/description",
                  schemaPath: "#/properties/jobs/items/properties/description/type",
                  keyword: "type",
                  params: { type: "string" },
                  message: "must be string",
                };
                if (vErrors === null) {
                  vErrors = [err93];
                } else {
                  vErrors.push(err93);
                }
                errors++;
              }
            }
            if (data23.input !== undefined) {
              let data27 = data23.input;
              if (!(data27 && typeof data27 == "object" && !Array.isArray(data27))) {
                const err94 = {
                  instancePath: instancePath + "/jobs/" + i4 + "/input",
                  schemaPath: "#/properties/jobs/items/properties/input/type",
                  keyword: "type",
                  params: { type: "object" },
                  message: "must be object",
                };
                if (vErrors === null) {
                  vErrors = [err94];
                } else {
                  vErrors.push(err94);
                }
                errors++;
              }
            }
            if (data23.output !== undefined) {
              let data28 = data23.output;
              if (!(data28 && typeof data28 == "object" && !Array.isArray(data28))) {
                const err95 = {
                  instancePath: instancePath + "/jobs/" + i4 + "/output",
                  schemaPath: "#/properties/jobs/items/properties/output/type",
                  keyword: "type",
                  params: { type: "object" },
                  message: "must be object",
                };
                if (vErrors === null) {
                  vErrors = [err95];
                } else {
                  vErrors.push(err95);
                }
                errors++;
              }
            }
            if (data23.state !== undefined) {
              let data29 = data23.state;
              if (!(data29 && typeof data29 == "object" && !Array.isArray(data29))) {
                const err96 = {
                  instancePath: instancePath + "/jobs/" + i4 + "/state",
                  schemaPath: "#/properties/jobs/items/properties/state/type",
                  keyword: "type",
                  params: { type: "object" },
                  message: "must be object",
                };
                if (vErrors === null) {
                  vErrors = [err96];
                } else {
                  vErrors.push(err96);
                }
                errors++;
              }
            }
          } else {
            const err97 = {
              instancePath: instancePath + "/jobs/" + i4,
              schemaPath: "#/properties/jobs/items/type",
              keyword: "type",
              params: { type: "object" },
              message: "must be object",
            };
            if (vErrors === null) {
              vErrors = [err97];
            } else {
              vErrors.push(err97);
            }
            errors++;
          }
        }
      } else {
        const err98 = {
          instancePath: instancePath + "/jobs",
          schemaPath: "#/properties/jobs/type",
          keyword: "type",
          params: { type: "array" },
          message: "must be array",
        };
        if (vErrors === null) {
          vErrors = [err98];
        } else {
          vErrors.push(err98);
        }
        errors++;
      }
    }
    if (data.hooks !== undefined) {
      let data30 = data.hooks;
      if (data30 && typeof data30 == "object" && !Array.isArray(data30)) {
        for (const key3 in data30) {
          if (!(key3 === "init" || key3 === "cleanup")) {
            const err99 = {
              instancePath: instancePath + "/hooks",
              schemaPath: "#/properties/hooks/additionalProperties",
              keyword: "additionalProperties",
              params: { additionalProperty: key3 },
              message: "must NOT have additional properties",
            };
            if (vErrors === null) {
              vErrors = [err99];
            } else {
              vErrors.push(err99);
            }
            errors++;
          }
        }
        if (data30.init !== undefined) {
          let data31 = data30.init;
          if (typeof data31 === "string") {
            if (func3(data31) > 80) {
              const err100 = {
                instancePath: instancePath + "/hooks/init",
                schemaPath: "#/properties/hooks/properties/init/maxLength",
                keyword: "maxLength",
                params: { limit: 80 },
                message: "must NOT have more than 80 characters",
              };
              if (vErrors === null) {
                vErrors = [err100];
              } else {
                vErrors.push(err100);
              }
              errors++;
            }
            if (!pattern0.test(data31)) {
              const err101 = {
                instancePath: instancePath + "/hooks/init",
                schemaPath: "#/properties/hooks/properties/init/pattern",
                keyword: "pattern",
                params: { pattern: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$" },
                message: 'must match pattern "' + "^[a-z][a-z0-9]*(-[a-z0-9]+)*$" + '"',
              };
              if (vErrors === null) {
                vErrors = [err101];
              } else {
                vErrors.push(err101);
              }
              errors++;
            }
          } else {
            const err102 = {
              instancePath: instancePath + "/hooks/init",
              schemaPath: "#/properties/hooks/properties/init/type",
              keyword: "type",
              params: { type: "string" },
              message: "must be string",
            };
            if (vErrors === null) {
              vErrors = [err102];
            } else {
              vErrors.push(err102);
            }
            errors++;
          }
        }
        if (data30.cleanup !== undefined) {
          let data32 = data30.cleanup;
          if (typeof data32 === "string") {
            if (func3(data32) > 80) {
              const err103 = {
                instancePath: instancePath + "/hooks/cleanup",
                schemaPath: "#/properties/hooks/properties/cleanup/maxLength",
                keyword: "maxLength",
                params: { limit: 80 },
                message: "must NOT have more than 80 characters",
              };
              if (vErrors === null) {
                vErrors = [err103];
              } else {
                vErrors.push(err103);
              }
              errors++;
            }
            if (!pattern0.test(data32)) {
              const err104 = {
                instancePath: instancePath + "/hooks/cleanup",
                schemaPath: "#/properties/hooks/properties/cleanup/pattern",
                keyword: "pattern",
                params: { pattern: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$" },
                message: 'must match pattern "' + "^[a-z][a-z0-9]*(-[a-z0-9]+)*$" + '"',
              };
              if (vErrors === null) {
                vErrors = [err104];
              } else {
                vErrors.push(err104);
              }
              errors++;
            }
          } else {
            const err105 = {
              instancePath: instancePath + "/hooks/cleanup",
              schemaPath: "#/properties/hooks/properties/cleanup/type",
              keyword: "type",
              params: { type: "string" },
              message: "must be string",
            };
            if (vErrors === null) {
              vErrors = [err105];
            } else {
              vErrors.push(err105);
            }
            errors++;
          }
        }
      } else {
        const err106 = {
          instancePath: instancePath + "/hooks",
          schemaPath: "#/properties/hooks/type",
          keyword: "type",
          params: { type: "object" },
          message: "must be object",
        };
        if (vErrors === null) {
          vErrors = [err106];
        } else {
          vErrors.push(err106);
        }
        errors++;
      }
    }
    if (data.module !== undefined) {
      let data33 = data.module;
      if (data33 && typeof data33 == "object" && !Array.isArray(data33)) {
        if (data33.file === undefined) {
          const err107 = {
            instancePath: instancePath + "/module",
            schemaPath: "#/properties/module/required",
            keyword: "required",
            params: { missingProperty: "file" },
            message: "must have required property '" + "file" + "'",
          };
          if (vErrors === null) {
            vErrors = [err107];
          } else {
            vErrors.push(err107);
          }
          errors++;
        }
        if (data33.sha256 === undefined) {
          const err108 = {
            instancePath: instancePath + "/module",
            schemaPath: "#/properties/module/required",
            keyword: "required",
            params: { missingProperty: "sha256" },
            message: "must have required property '" + "sha256" + "'",
          };
          if (vErrors === null) {
            vErrors = [err108];
          } else {
            vErrors.push(err108);
          }
          errors++;
        }
        if (data33.plugin === undefined) {
          const err109 = {
            instancePath: instancePath + "/module",
            schemaPath: "#/properties/module/required",
            keyword: "required",
            params: { missingProperty: "plugin" },
            message: "must have required property '" + "plugin" + "'",
          };
          if (vErrors === null) {
            vErrors = [err109];
          } else {
            vErrors.push(err109);
          }
          errors++;
        }
        for (const key4 in data33) {
          if (!(key4 === "file" || key4 === "sha256" || key4 === "plugin")) {
            const err110 = {
              instancePath: instancePath + "/module",
              schemaPath: "#/properties/module/additionalProperties",
              keyword: "additionalProperties",
              params: { additionalProperty: key4 },
              message: "must NOT have additional properties",
            };
            if (vErrors === null) {
              vErrors = [err110];
            } else {
              vErrors.push(err110);
            }
            errors++;
          }
        }
        if (data33.file !== undefined) {
          let data34 = data33.file;
          if (typeof data34 === "string") {
            if (!pattern8.test(data34)) {
              const err111 = {
                instancePath: instancePath + "/module/file",
                schemaPath: "#/properties/module/properties/file/pattern",
                keyword: "pattern",
                params: { pattern: "^[A-Za-z0-9._-]+\\.wasm$" },
                message: 'must match pattern "' + "^[A-Za-z0-9._-]+\\.wasm$" + '"',
              };
              if (vErrors === null) {
                vErrors = [err111];
              } else {
                vErrors.push(err111);
              }
              errors++;
            }
          } else {
            const err112 = {
              instancePath: instancePath + "/module/file",
              schemaPath: "#/properties/module/properties/file/type",
              keyword: "type",
              params: { type: "string" },
              message: "must be string",
            };
            if (vErrors === null) {
              vErrors = [err112];
            } else {
              vErrors.push(err112);
            }
            errors++;
          }
        }
        if (data33.sha256 !== undefined) {
          let data35 = data33.sha256;
          if (typeof data35 === "string") {
            if (!pattern9.test(data35)) {
              const err113 = {
                instancePath: instancePath + "/module/sha256",
                schemaPath: "#/properties/module/properties/sha256/pattern",
                keyword: "pattern",
                params: { pattern: "^[0-9a-f]{64}$" },
                message: 'must match pattern "' + "^[0-9a-f]{64}$" + '"',
              };
              if (vErrors === null) {
                vErrors = [err113];
              } else {
                vErrors.push(err113);
              }
              errors++;
            }
          } else {
            const err114 = {
              instancePath: instancePath + "/module/sha256",
              schemaPath: "#/properties/module/properties/sha256/type",
              keyword: "type",
              params: { type: "string" },
              message: "must be string",
            };
            if (vErrors === null) {
              vErrors = [err114];
            } else {
              vErrors.push(err114);
            }
            errors++;
          }
        }
        if (data33.plugin !== undefined) {
          let data36 = data33.plugin;
          if (typeof data36 !== "string") {
            const err115 = {
              instancePath: instancePath + "/module/plugin",
              schemaPath: "#/properties/module/properties/plugin/type",
              keyword: "type",
              params: { type: "string" },
              message: "must be string",
            };
            if (vErrors === null) {
              vErrors = [err115];
            } else {
              vErrors.push(err115);
            }
            errors++;
          }
          if ("kiln-plugin-v1" !== data36) {
            const err116 = {
              instancePath: instancePath + "/module/plugin",
              schemaPath: "#/properties/module/properties/plugin/const",
              keyword: "const",
              params: { allowedValue: "kiln-plugin-v1" },
              message: "must be equal to constant",
            };
            if (vErrors === null) {
              vErrors = [err116];
            } else {
              vErrors.push(err116);
            }
            errors++;
          }
        }
      } else {
        const err117 = {
          instancePath: instancePath + "/module",
          schemaPath: "#/properties/module/type",
          keyword: "type",
          params: { type: "object" },
          message: "must be object",
        };
        if (vErrors === null) {
          vErrors = [err117];
        } else {
          vErrors.push(err117);
        }
        errors++;
      }
    }
    if (data.generator !== undefined) {
      let data37 = data.generator;
      if (typeof data37 === "string") {
        if (func3(data37) < 1) {
          const err118 = {
            instancePath: instancePath + "/generator",
            schemaPath: "#/properties/generator/minLength",
            keyword: "minLength",
            params: { limit: 1 },
            message: "must NOT have fewer than 1 characters",
          };
          if (vErrors === null) {
            vErrors = [err118];
          } else {
            vErrors.push(err118);
          }
          errors++;
        }
      } else {
        const err119 = {
          instancePath: instancePath + "/generator",
          schemaPath: "#/properties/generator/type",
          keyword: "type",
          params: { type: "string" },
          message: "must be string",
        };
        if (vErrors === null) {
          vErrors = [err119];
        } else {
          vErrors.push(err119);
        }
        errors++;
      }
    }
  } else {
    const err120 = {
      instancePath,
      schemaPath: "#/type",
      keyword: "type",
      params: { type: "object" },
      message: "must be object",
    };
    if (vErrors === null) {
      vErrors = [err120];
    } else {
      vErrors.push(err120);
    }
    errors++;
  }
  validate10.errors = vErrors;
  return errors === 0;
}
