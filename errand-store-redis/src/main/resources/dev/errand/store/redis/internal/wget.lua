-- Workflow ARGV[1] with every node's state: {wf_info (workflow.lua)}, {false} if unknown.
return {wf_info(ARGV[1]) or false}
