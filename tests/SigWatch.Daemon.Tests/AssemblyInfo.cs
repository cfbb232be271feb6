using System.Runtime.Versioning;

// SigWatch runs on macOS (its home) and Linux (CI, development, `sigwatch check`); Unix-only APIs
// (file modes, Unix sockets, libc) are fine here. Darwin-only code is further marked [SupportedOSPlatform("macos")].
[assembly: SupportedOSPlatform("linux")]
[assembly: SupportedOSPlatform("macos")]
