; Inno Setup 6 script for the gisdesk Windows installer.
;
; NOT TESTED HERE: gisdesk is built and smoke-tested on Linux only. On Windows, build the
; bundle first (installer\README.md, "Windows"), then:
;   iscc /DAppVersion=0.1.0 installer\gisdesk.iss     -> dist\gisdesk-0.1.0-setup.exe
; (python installer\make_bundle.py runs iscc itself when it is on PATH.)
;
; Installs per machine (Program Files) or, without admin rights, per user; start-menu entries
; for gisdesk, the Haimen sample project and the third-party notices; optional desktop icon
; and "open with gisdesk" for .gpkg files.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{5E7A9C3B-1F64-4D2A-9B0E-6C1D2F3A4B5C}
AppName=gisdesk
AppVerName=gisdesk {#AppVersion}
AppVersion={#AppVersion}
AppPublisher=gisdesk developers
DefaultDirName={autopf}\gisdesk
DefaultGroupName=gisdesk
DisableProgramGroupPage=yes
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename=gisdesk-{#AppVersion}-setup
SetupIconFile=gisdesk.ico
UninstallDisplayIcon={app}\gisdesk.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes

[Languages]
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#elif FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "ChineseSimplified.isl"
#endif
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"
Name: "assocgpkg"; Description: "用 gisdesk 打开 .gpkg 项目 / Open .gpkg projects with gisdesk"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\dist\gisdesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\gisdesk"; Filename: "{app}\gisdesk.exe"
Name: "{group}\gisdesk 海门示例项目 (Haimen sample)"; Filename: "{app}\gisdesk.exe"; Parameters: "open ""{app}\_internal\gisdesk_data\sample_data\haimen.gpkg"""
Name: "{group}\第三方组件许可 (Third-party notices)"; Filename: "{app}\THIRD_PARTY_NOTICES.txt"
Name: "{group}\{cm:UninstallProgram,gisdesk}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\gisdesk"; Filename: "{app}\gisdesk.exe"; Tasks: desktopicon

[Registry]
Root: HKA; Subkey: "Software\Classes\.gpkg\OpenWithProgids"; ValueType: string; ValueName: "gisdesk.gpkg"; ValueData: ""; Flags: uninsdeletevalue; Tasks: assocgpkg
Root: HKA; Subkey: "Software\Classes\gisdesk.gpkg"; ValueType: string; ValueName: ""; ValueData: "GeoPackage (gisdesk)"; Flags: uninsdeletekey; Tasks: assocgpkg
Root: HKA; Subkey: "Software\Classes\gisdesk.gpkg\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\gisdesk.exe,0"; Tasks: assocgpkg
Root: HKA; Subkey: "Software\Classes\gisdesk.gpkg\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\gisdesk.exe"" open ""%1"""; Tasks: assocgpkg

[Run]
Filename: "{app}\gisdesk.exe"; Description: "{cm:LaunchProgram,gisdesk}"; Flags: nowait postinstall skipifsilent
