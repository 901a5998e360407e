package zoocfg

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Load reads the zoo.cfg at path. When it names a dynamicConfigFile, Load reads that file too
// (a relative name is taken relative to path's directory), puts its members into Servers,
// Groups and Weights, and its file-name version into DynamicVersion; like ZooKeeper it refuses
// a version= line inside that file.
func Load(path string) (*Config, []Warning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("zoocfg: read config: %w", err)
	}
	c, warns, err := Parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if c.DynamicConfigFile == "" {
		return c, warns, nil
	}
	dynPath := c.DynamicFilePath(path)
	data, err = os.ReadFile(dynPath)
	if err != nil {
		return nil, nil, fmt.Errorf("zoocfg: read dynamic config: %w", err)
	}
	d, err := ParseDynamic(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", dynPath, err)
	}
	if d.HasVersion {
		return nil, nil, fmt.Errorf("%s: %w: version belongs in the file name, not inside the dynamic file", dynPath, ErrDynamicKey)
	}
	c.Servers, c.Groups, c.Weights = d.Servers, d.Groups, d.Weights
	c.DynamicVersion, _ = VersionFromFilename(dynPath)
	if err := c.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s with %s: %w", path, dynPath, err)
	}
	return c, append(warns, c.advice(nil)...), nil
}

// DynamicFilePath is c.DynamicConfigFile, a relative name taken relative to the directory of
// the zoo.cfg at configPath; "" when there is none.
func (c *Config) DynamicFilePath(configPath string) string {
	if c.DynamicConfigFile == "" || filepath.IsAbs(c.DynamicConfigFile) {
		return c.DynamicConfigFile
	}
	return filepath.Join(filepath.Dir(configPath), c.DynamicConfigFile)
}

// MyIDFile is the name of the file in dataDir that holds this server's id.
const MyIDFile = "myid"

// ReadMyID reads dataDir/myid: the server id on the first line (QuorumPeerConfig.setupMyId).
// A missing file is reported as an error wrapping both ErrMyID and fs.ErrNotExist, so a
// standalone server can tell "no id" from "bad id".
func ReadMyID(dataDir string) (int64, error) {
	data, err := os.ReadFile(filepath.Join(dataDir, MyIDFile))
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrMyID, err)
	}
	return ParseMyID(data)
}

// ParseMyID parses the content of a myid file.
func ParseMyID(data []byte) (int64, error) {
	line, _, _ := strings.Cut(string(data), "\n")
	line = strings.TrimSpace(line)
	id, err := strconv.ParseInt(line, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not a number", ErrMyID, line)
	}
	if id < 1 || id > MaxServerID {
		return 0, fmt.Errorf("%w: %d must be 1..%d", ErrMyID, id, MaxServerID)
	}
	return id, nil
}

// WriteMyIDContent is what the operator writes into dataDir/myid.
func WriteMyIDContent(id int64) []byte { return []byte(strconv.FormatInt(id, 10) + "\n") }
