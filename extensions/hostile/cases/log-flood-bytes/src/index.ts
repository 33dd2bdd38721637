import { extension, job } from "@kiln/sdk";
import { writeStdout } from "../../_lib/hostile.js";

/** 100 MB to stdout, never a newline. */
@extension({ id: "hostile-log-flood-bytes", name: "Log flood (bytes)", version: "1.0.0" })
export class LogFloodBytes {
  @job({ name: "flood" })
  flood(): { written: number } {
    const chunk = new Uint8Array(1024 * 1024).fill(0x78);
    let written = 0;
    for (let i = 0; i < 100; i++) written += writeStdout(chunk);
    return { written };
  }
}
