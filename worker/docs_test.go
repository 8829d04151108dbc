package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The documentation lives at the repository's root (README.md, CHANGELOG.md) and in docs/. The tests run in
// worker/, so the root is "..", as for the compose tests.

const repoRoot = ".."

// readmeLimit is the most README.md may weigh: a landing page, with everything else in docs/.
const readmeLimit = 12288

// TestTheReadmeIsALandingPage: README.md stays short; the detail belongs in docs/.
func TestTheReadmeIsALandingPage(t *testing.T) {
	info, err := os.Stat(filepath.Join(repoRoot, "README.md"))
	require.NoError(t, err)
	require.LessOrEqual(t, info.Size(), int64(readmeLimit),
		"README.md is %d bytes, over %d: move the detail into docs/ and link to it", info.Size(), readmeLimit)
}

// markdownLink is an inline link or image, [text](target) or [text](target "title"); the target is group 1.
var markdownLink = regexp.MustCompile(`\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)

// inlineCode is a code span on one line; a link inside one is text, not a link.
var inlineCode = regexp.MustCompile("`[^`\n]*`")

// documents lists the Markdown files whose links are checked, relative to the repository's root.
func documents(t *testing.T) []string {
	t.Helper()
	files := []string{"README.md", "CHANGELOG.md"}
	docs, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	require.NoError(t, err)
	require.NotEmpty(t, docs, "docs/ holds the documentation")
	for _, d := range docs {
		rel, err := filepath.Rel(repoRoot, d)
		require.NoError(t, err)
		files = append(files, rel)
	}
	return files
}

// relativeLinks returns each relative link target of a Markdown text with its line number, leaving out fenced
// code blocks and code spans, web and mail addresses, and anchors within the same page.
func relativeLinks(text string) (targets []string, lines []int) {
	fenced := false
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		line = inlineCode.ReplaceAllString(line, "")
		for _, m := range markdownLink.FindAllStringSubmatch(line, -1) {
			target := m[1]
			lower := strings.ToLower(target)
			if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") ||
				strings.HasPrefix(lower, "mailto:") || strings.HasPrefix(target, "#") {
				continue
			}
			if j := strings.IndexAny(target, "#?"); j >= 0 {
				target = target[:j]
			}
			if target != "" {
				targets = append(targets, target)
				lines = append(lines, i+1)
			}
		}
	}
	return targets, lines
}

// TestEveryRelativeLinkInTheDocsResolves: every relative link of README.md, CHANGELOG.md and docs/*.md names a
// file or directory of the repository, resolved from the linking file's directory. Every broken link is listed
// at once, with its file and line.
func TestEveryRelativeLinkInTheDocsResolves(t *testing.T) {
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	var broken []string
	checked := 0
	for _, doc := range documents(t) {
		data, err := os.ReadFile(filepath.Join(root, doc))
		require.NoError(t, err, "%s exists", doc)
		targets, lines := relativeLinks(string(data))
		for i, target := range targets {
			checked++
			path := filepath.Join(root, filepath.Dir(doc), filepath.FromSlash(target))
			rel, err := filepath.Rel(root, path)
			if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				broken = append(broken, doc+":"+strconv.Itoa(lines[i])+": "+target+" points outside the repository")
				continue
			}
			if _, err := os.Stat(path); err != nil {
				broken = append(broken, doc+":"+strconv.Itoa(lines[i])+": "+target+" does not exist ("+filepath.ToSlash(rel)+")")
			}
		}
	}
	require.NotZero(t, checked, "the docs link to one another")
	require.Empty(t, broken, "relative links that do not resolve:\n%s", strings.Join(broken, "\n"))
}

// outsidePointers are paths of documents kept outside this repository. The repository states what it needs
// itself, so no file may point at them. (Built from parts, so that this file does not match itself.)
var outsidePointers = []string{
	"../" + "shared",
	"spec/" + "hr-events.md",
	"spec/" + "dev-stack.md",
}

// repositoryFiles lists the repository's files relative to its root: the tracked ones and the new ones git does
// not ignore, or, without git, every file outside .git.
func repositoryFiles(t *testing.T, root string) []string {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		var files []string
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, filepath.FromSlash(f))
			}
		}
		return files
	}
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == ".tapflow") {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			files = append(files, rel)
		}
		return nil
	})
	require.NoError(t, err)
	return files
}

// TestNoFileInTheRepositoryPointsOutsideIt: no text file outside testdata names a document that lives outside
// the repository; the contracts are written out in docs/.
func TestNoFileInTheRepositoryPointsOutsideIt(t *testing.T) {
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	var found []string
	for _, rel := range repositoryFiles(t, root) {
		if strings.Contains(string(filepath.Separator)+rel, string(filepath.Separator)+"testdata"+string(filepath.Separator)) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			continue // listed by git but deleted in the work tree
		}
		if bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0 {
			continue // binary
		}
		for n, line := range strings.Split(string(data), "\n") {
			for _, p := range outsidePointers {
				if strings.Contains(line, p) {
					found = append(found, filepath.ToSlash(rel)+":"+strconv.Itoa(n+1)+": "+p)
				}
			}
		}
	}
	require.Empty(t, found, "files that point outside the repository (state the contract here instead):\n%s",
		strings.Join(found, "\n"))
}
