import { describe, expect, it } from "vitest";
import { HostAllowList, hostNameOf, isLoopbackHost } from "./host-guard.ts";

describe("HostAllowList", () => {
  it("answers loopback names by default and nothing else", () => {
    const list = new HostAllowList("127.0.0.1");
    for (const name of ["localhost", "127.0.0.1", "127.0.0.2", "::1", "app.localhost", "LOCALHOST."]) {
      expect(list.allows(name), name).toBe(true);
    }
    for (const name of ["attacker.example", "localhost.attacker.example", "10.0.0.1", "0.0.0.0"]) {
      expect(list.allows(name), name).toBe(false);
    }
  });

  it("adds the listening address, and allow-listed names or domains", () => {
    const list = new HostAllowList("studio.lan", ["trace.example.com", ".corp.example"]);
    expect(list.allows("studio.lan")).toBe(true);
    expect(list.allows("trace.example.com")).toBe(true);
    expect(list.allows("a.corp.example")).toBe(true);
    expect(list.allows("corp.example")).toBe(true);
    expect(list.allows("evilcorp.example")).toBe(false);
    expect(list.allows("example.com")).toBe(false);
  });
});

describe("hostNameOf", () => {
  it("reads a Host header's name without the port, and rejects what is not a host", () => {
    expect(hostNameOf("Example.COM:1984")).toBe("example.com");
    expect(hostNameOf("[::1]:80")).toBe("::1");
    expect(hostNameOf("a.example/path")).toBeUndefined();
    expect(hostNameOf("user@a.example")).toBeUndefined();
    expect(hostNameOf("")).toBeUndefined();
  });
});

describe("isLoopbackHost", () => {
  it("tells addresses only this machine reaches from the others", async () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "x.localhost"]) {
      expect(await isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "no-such-host.invalid"]) {
      expect(await isLoopbackHost(host), host).toBe(false);
    }
  });
});
