using System.Reflection;
using System.Text.Json;
using SigWatch.Core.CodeSigning.Requirements;
using SigWatch.Core.Plist;
using SigWatch.Daemon.Configuration;
using SigWatch.Platform;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Packaging;

/// <summary>
/// The MDM configuration profiles in packaging/macos/profiles (issue 16): each parses with our plist reader and
/// carries what MDM requires of it (Apple device-management schemas: Configuration, TCC, notificationsettings).
/// </summary>
public sealed class MacProfilesTests
{
    private static string ProfilePath(string name) => Path.Combine(RepoPaths.Root, "packaging", "macos", "profiles", name);

    [Fact]
    public void FullDiskAccessProfile_GrantsSystemPolicyAllFilesToTheInstalledDaemonByPathAndCodeRequirement()
    {
        var payload = SinglePayload(ProfilePath("sigwatchd-full-disk-access.mobileconfig"), "com.apple.TCC.configuration-profile-policy");
        var grant = Assert.IsType<PlistDictionary>(Assert.Single(payload.GetDictionary("Services")!.GetArray("SystemPolicyAllFiles")!));
        // The daemon's executable as the package installs it, the one launchd runs.
        var launchd = (PlistDictionary)PropertyList.Read(File.ReadAllBytes(Path.Combine(RepoPaths.Root, "launchd", "org.sigwatch.daemon.plist")));
        Assert.Equal(((PlistString)launchd.GetArray("ProgramArguments")![0]).Value, grant.GetString("Identifier"));
        Assert.Equal("path", grant.GetString("IdentifierType"));
        Assert.True(grant.GetBoolean("Allowed"));
        Assert.False(grant.GetBoolean("StaticCode"));
        Assert.Null(grant.GetString("Authorization")); // Allowed or Authorization, never both
        var requirement = grant.GetString("CodeRequirement")!;
        // It compiles in the requirement language, and names the identifier build-pkg.sh signs the daemon with.
        Assert.Contains("identifier \"org.sigwatch.sigwatchd\"", Requirement.Parse(requirement).ToString(), StringComparison.Ordinal);
        Assert.Contains("anchor apple generic", requirement, StringComparison.Ordinal);
        Assert.Contains($"--identifier \"$LABEL_PREFIX.$app\"", File.ReadAllText(Path.Combine(RepoPaths.Root, "packaging", "macos", "build-pkg.sh")), StringComparison.Ordinal);
    }

    [Fact]
    public void SettingsProfile_ListsExactlyTheSettingsTheDaemonReads()
    {
        var payload = SinglePayload(ProfilePath("sigwatchd-settings.mobileconfig"), ProductNames.Get("DAEMON_LABEL"));
        var settings = payload.Keys.Where(k => !k.StartsWith("Payload", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        var read = typeof(DaemonOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.SetMethod!.IsPublic)
            .Select(p => p.Name)
            .Order(StringComparer.Ordinal);
        Assert.Equal(read, settings);
    }

    [Fact]
    public void SettingsProfile_AsManagedPreferences_LeavesEveryDefaultAsItIs()
    {
        // What macOS writes to /Library/Managed Preferences/org.sigwatch.daemon.plist (binary) from the payload.
        var payload = SinglePayload(ProfilePath("sigwatchd-settings.mobileconfig"), ProductNames.Get("DAEMON_LABEL"));
        using var dir = new TempDirectory();
        var managed = dir.Combine("org.sigwatch.daemon.plist");
        File.WriteAllBytes(managed, BinaryPropertyListWriter.Write(new PlistDictionary(payload.Where(e => !e.Key.StartsWith("Payload", StringComparison.Ordinal)))));
        var macDefaults = SigWatchPaths.ForRoot(macOS: true);

        var withProfile = DaemonConfiguration.Build(DaemonCommandLine.Parse(["--config", managed]), macDefaults, _ => null);
        var without = DaemonConfiguration.Build(DaemonCommandLine.Parse([]), macDefaults, _ => null);

        Assert.Equal(JsonSerializer.Serialize(without), JsonSerializer.Serialize(withProfile));
        Assert.Equal(ProductNames.Get("MACOS_STATE_DIR"), withProfile.StateDir);
        Assert.Equal(ProductNames.Get("MACOS_LOG_DIR"), withProfile.LogDir);
    }

    [Fact]
    public void DebianConffile_WithItsComments_LeavesEveryDefaultAsItIs()
    {
        var conffile = Path.Combine(RepoPaths.Root, "packaging", "linux", "sigwatch.json");
        var linuxDefaults = SigWatchPaths.ForRoot(macOS: false);
        var withFile = DaemonConfiguration.Build(DaemonCommandLine.Parse(["--config", conffile]), linuxDefaults, _ => null);
        var without = DaemonConfiguration.Build(DaemonCommandLine.Parse([]), linuxDefaults, _ => null);
        Assert.Equal(JsonSerializer.Serialize(without), JsonSerializer.Serialize(withFile));
    }

    [Fact]
    public void NotificationsProfile_AllowsAlertsForTheAppTheAgentsNotificationsAreAttributedTo()
    {
        var payload = SinglePayload(ProfilePath("sigwatch-agent-notifications.mobileconfig"), "com.apple.notificationsettings");
        var setting = Assert.IsType<PlistDictionary>(Assert.Single(payload.GetArray("NotificationSettings")!));
        Assert.Equal("com.apple.ScriptEditor2", setting.GetString("BundleIdentifier"));
        Assert.True(setting.GetBoolean("NotificationsEnabled"));
        Assert.Equal(2, setting.GetInt64("AlertType")); // alerts stay until dismissed
        Assert.True(setting.GetBoolean("ShowInNotificationCenter"));
    }

    [Fact]
    public void EveryProfile_IsASystemConfigurationWithUniqueIdentifiersAndUuids()
    {
        var profiles = Directory.GetFiles(Path.Combine(RepoPaths.Root, "packaging", "macos", "profiles"), "*.mobileconfig");
        Assert.Equal(3, profiles.Length);
        var identifiers = new List<string>();
        var uuids = new List<Guid>();
        foreach (var path in profiles)
        {
            var profile = Assert.IsType<PlistDictionary>(PropertyList.Read(File.ReadAllBytes(path)));
            Assert.Equal("Configuration", profile.GetString("PayloadType"));
            Assert.Equal("System", profile.GetString("PayloadScope"));
            Assert.Equal(1, profile.GetInt64("PayloadVersion"));
            Assert.False(string.IsNullOrWhiteSpace(profile.GetString("PayloadDisplayName")), path);
            foreach (var dict in new[] { profile }.Concat(profile.GetArray("PayloadContent")!.Cast<PlistDictionary>()))
            {
                var identifier = dict.GetString("PayloadIdentifier")!;
                Assert.StartsWith(ProductNames.Get("LABEL_PREFIX") + ".", identifier, StringComparison.Ordinal);
                identifiers.Add(identifier);
                uuids.Add(Guid.Parse(dict.GetString("PayloadUUID")!));
                Assert.Equal(1, dict.GetInt64("PayloadVersion"));
            }
        }

        Assert.Equal(identifiers.Count, identifiers.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(uuids.Count, uuids.Distinct().Count());
    }

    private static PlistDictionary SinglePayload(string path, string payloadType)
    {
        var profile = Assert.IsType<PlistDictionary>(PropertyList.Read(File.ReadAllBytes(path)));
        var payload = Assert.IsType<PlistDictionary>(Assert.Single(profile.GetArray("PayloadContent")!));
        Assert.Equal(payloadType, payload.GetString("PayloadType"));
        return payload;
    }
}
