using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.Versioning;
using SigWatch.Core.Verification;
using SigWatch.Platform.Darwin;
using SigWatch.Platform.Interop;
using SigWatch.Platform.Peers;
using SigWatch.TestSupport;

namespace SigWatch.Platform.Tests.Darwin;

// Runs only on a Mac (MacOSFact: skipped elsewhere with the reason). These check the facts the Linux tests take from
// macos-integration.md against the real frameworks, and the native verifier against the managed one on real system
// code and on mutated copies. Select them with: dotnet test tests/SigWatch.Platform.Tests --filter Platform=macOS
[Trait("Platform", "macOS")]
[SupportedOSPlatform("macos")]
public class MacOSNativeTests
{
    // A platform binary present on every supported macOS (SIP-protected, Apple-signed).
    private const string SystemBinary = "/bin/ls";

    private static readonly string[] SystemApps = ["/System/Applications/Calculator.app", "/Applications/Calculator.app"];

    [MacOSFact]
    public void CFValueConverter_RoundTripsStringDataAndDictionary()
    {
        using var key = CoreFoundation.CFStringCreate("clé ✓");
        using var value = CoreFoundation.CFDataCreate([1, 2, 3]);
        using var dictionary = CoreFoundation.CFDictionaryCreate([key.DangerousGetHandle()], [value.DangerousGetHandle()]);

        var converted = CFValueConverter.DictionaryToManaged(dictionary.DangerousGetHandle());

        Assert.Equal(new byte[] { 1, 2, 3 }, Assert.IsType<byte[]>(Assert.Single(converted, p => p.Key == "clé ✓").Value));
        Assert.True(CoreFoundation.CFBooleanGetValue(CoreFoundation.kCFBooleanTrue));
        Assert.False(CoreFoundation.CFBooleanGetValue(CoreFoundation.kCFBooleanFalse));
        Assert.Equal(true, CFValueConverter.ToManaged(CoreFoundation.kCFBooleanTrue));
    }

    [MacOSFact]
    public void ExportedKeys_HaveTheDocumentedStrings()
    {
        // Confirms macos-integration.md §3.3/§3.5 string values against the running framework.
        Assert.Equal(SigningInfoKeys.Documented, Security.SigningInfoKeys);
        Assert.Equal("SecCSResourceAdded", CoreFoundation.CFStringToString(Security.kSecCFErrorResourceAdded));
        Assert.Equal("SecComponentPath", CoreFoundation.CFStringToString(Security.kSecCFErrorPath));
        Assert.Equal("audit", CoreFoundation.CFStringToString(Security.kSecGuestAttributeAudit));
    }

    [MacOSFact]
    public void SystemBinary_NativeAndManagedAgree()
    {
        using var native = new SecStaticCodeValidator();
        var nativeResult = native.Validate(SystemBinary);
        var managedResult = new ManagedCodeSignatureValidator().Validate(SystemBinary);

        Assert.Equal(AssessmentVerdict.Valid, nativeResult.Verdict);
        Assert.Equal("com.apple.ls", nativeResult.Signing?.Identifier);
        Assert.Equal(40, nativeResult.Signing?.CdHash?.Length);
        Assert.NotEmpty(nativeResult.Signing!.CertificateSha256);
        Assert.Contains("com.apple.ls", nativeResult.Signing.DesignatedRequirement, StringComparison.Ordinal);
        Assert.Empty(AssessmentComparer.Compare(managedResult, nativeResult));
    }

    [MacOSFact]
    public void MutatedSystemBinary_BothSayInvalid()
    {
        using var dir = new TempDirectory();
        var copy = dir.Combine("ls");
        var bytes = File.ReadAllBytes(SystemBinary);
        bytes[FirstSliceOffset(bytes) + 0x1000 + 17] ^= 0xFF; // a byte of the second code page of the first slice
        File.WriteAllBytes(copy, bytes);

        using var native = new SecStaticCodeValidator();
        var nativeResult = native.Validate(copy);
        var managedResult = new ManagedCodeSignatureValidator().Validate(copy);

        Assert.Equal(AssessmentVerdict.Invalid, nativeResult.Verdict);
        Assert.Equal(AssessmentVerdict.Invalid, managedResult.Verdict);
        Assert.DoesNotContain(AssessmentComparer.Compare(managedResult, nativeResult), d => d.Field == "verdict");
    }

    [MacOSFact]
    public void UnsignedFile_IsUnsigned()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("plain.txt");
        File.WriteAllText(path, "not code");
        using var native = new SecStaticCodeValidator();
        var result = native.Validate(path);
        Assert.NotEqual(AssessmentVerdict.Valid, result.Verdict);
        Assert.Null(result.Signing);
    }

    [MacOSFact]
    public void SystemApp_CopyIsValid_AddedFileIsReportedWithItsPath()
    {
        var app = SystemApps.First(Directory.Exists);
        using var dir = new TempDirectory();
        var copy = dir.Combine(Path.GetFileName(app));
        Run("/bin/cp", "-R", app, copy);

        using var native = new SecStaticCodeValidator();
        Assert.Equal(AssessmentVerdict.Valid, native.Validate(copy).Verdict);

        File.WriteAllText(Path.Combine(copy, "Contents", "Resources", "sigwatch-extra.txt"), "added");
        var result = native.Validate(copy);

        Assert.Equal(AssessmentVerdict.Invalid, result.Verdict);
        var added = Assert.Single(result.Findings, f => f.Kind == FindingKind.FileAdded);
        Assert.Equal("Resources/sigwatch-extra.txt", added.Path);
    }

    [MacOSFact]
    public void Requirement_CompilesRoundTripsAndReportsSyntaxErrors()
    {
        using var requirement = SecRequirement.Create("anchor apple");
        Assert.Equal("anchor apple", requirement.ToString());

        var error = Assert.Throws<SecurityFrameworkException>(() => SecRequirement.Create("anchor apple and ("));
        Assert.True(error.UserInfo.ContainsKey(NativeResultMapper.RequirementSyntaxKey), string.Join(",", error.UserInfo.Keys));

        Assert.Contains("com.apple.ls", SecRequirement.CopyDesignatedRequirementText(SystemBinary), StringComparison.Ordinal);
    }

    [MacOSFact]
    public async Task PeerCredentials_OwnConnection_ReportsThisProcessAndItsToken()
    {
        using var dir = new TempDirectory("p");
        var endpoint = new UnixDomainSocketEndPoint(dir.Combine("s"));
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(endpoint);
        listener.Listen(1);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(endpoint);
        using var server = await listener.AcceptAsync();

        var peer = PeerCredentials.ForCurrentPlatform().Read(server);

        Assert.Equal(ProcessIdentity.EffectiveUserId, peer.UserId);
        Assert.Equal(Environment.ProcessId, peer.ProcessId);
        var token = Assert.NotNull(peer.AuditToken);
        Assert.Equal(Environment.ProcessId, token.ProcessId);
        Assert.Equal(ProcessIdentity.EffectiveUserId, token.EffectiveUserId);
        Assert.True(peer.IsConsistent);
        Assert.False(token.ImageChanged(DarwinPeerCredentials.ReadToken(server)!.Value));
    }

    [MacOSFact]
    public async Task DynamicValidator_ApplePeer_SatisfiesAnchorAppleButNotAnotherIdentifier()
    {
        using var dir = new TempDirectory("d");
        var socketPath = dir.Combine("s");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);

        // /usr/bin/nc is an Apple platform binary: a peer whose identity is known.
        using var nc = Process.Start(new ProcessStartInfo("/usr/bin/nc", ["-U", socketPath])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        })!;
        try
        {
            using var server = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(10));
            var token = DarwinPeerCredentials.ReadToken(server) ?? throw new InvalidOperationException("no token");
            Assert.Equal(nc.Id, token.ProcessId);

            using var apple = new DynamicCodeValidator("anchor apple");
            var result = apple.Validate(token);
            Assert.Equal(AssessmentVerdict.Valid, result.Verdict);
            Assert.True(result.IsKernelValid);
            Assert.True(result.Admits(requireHardenedRuntime: false));

            using var other = new DynamicCodeValidator("identifier \"com.example.not-nc\"");
            var rejected = other.Validate(token);
            Assert.Equal(AssessmentVerdict.Invalid, rejected.Verdict);
            Assert.Contains(rejected.Findings, f => f.Kind == FindingKind.RequirementNotSatisfied);
        }
        finally
        {
            if (!nc.HasExited)
            {
                nc.Kill();
            }
        }
    }

    private static int FirstSliceOffset(byte[] bytes)
    {
        // FAT_MAGIC 0xcafebabe (big-endian header): the first fat_arch's offset is at 8 + 8. Otherwise thin: 0.
        return BinaryPrimitives.ReadUInt32BigEndian(bytes) == 0xCAFEBABE
            ? checked((int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(16)))
            : 0;
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)}: {error}");
    }
}
